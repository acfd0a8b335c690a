// What every layer kind provides: the contract the registry, the planner, initialisation
// and the native network description rely on. One implementation per file in src/layers/.
import type { NativeLayerDesc } from '../native';
import type { LayerSpec, ParamShape, PlannedLayer, Shape } from '../model/types';
import type { Rng } from '../train/rng';
import type { Field } from './window';
import type { InitSettings } from './weight-init';

export interface LayerKind<S extends LayerSpec = LayerSpec> {
  /** Default names are this prefix numbered in order: conv1, conv2, ... */
  namePrefix(spec: S): string;
  /** Validates a JSON spec and returns it with every default filled in (sizes as [h, w]). */
  parse(raw: unknown, where: string): S;
  /** Output [C, H, W]; throws naming the layer (`where`) and the arithmetic when it would be empty. */
  outputShape(spec: S, input: Shape, where: string): Shape;
  /** Rows/columns of the input no window reaches, for layers that slide a window. */
  unusedInput?(spec: S, input: Shape): { rows: number; cols: number } | undefined;
  /** Parameter tensors in checkpoint order (weight, bias, then buffers such as running_mean), PyTorch shapes. */
  params(spec: S, input: Shape, output: Shape): ParamShape[];
  /** Trainable parameters: masked-out weights and buffers (batchnorm's running statistics) do not count. */
  paramCount(spec: S, input: Shape, output: Shape): number;
  /** Multiply-adds per image, each bias counting as one. */
  connections(spec: S, input: Shape, output: Shape): number;
  /** The 0/1 mask over the weight tensor, for a partial connection table. */
  weightMask?(spec: S, input: Shape): Float32Array | undefined;
  /** Receptive field and jump of this layer's units given those of its input. `image` is the model input [h, w]. */
  receptiveField(spec: S, input: Field, image: [number, number]): Field;
  /** Fills this layer's tensors (views into the flat array, in params() order). */
  init(layer: PlannedLayer, tensors: Float32Array[], settings: InitSettings, rng: Rng): void;
  /** The kind-specific part of the native description: the native op (kind) and its settings (kernel, stride, pad, eps, p, ...). */
  native(layer: PlannedLayer): Partial<NativeLayerDesc>;
  /** A short description for the summary's type column, e.g. "conv2d 5x5 p2". */
  describe(spec: S): string;
}
