// Builds the planned layer graph one layer at a time: each layer reads one or more earlier
// layers' outputs (a cursor says which, with their shape and receptive field), gets its
// tensors laid out in the flat parameter array in order (weight, bias, then buffers), and
// yields a cursor for the next layer. plan.ts and residual-plan.ts decide what to add.
import { layerKind } from '../layers/registry';
import type { Field } from '../layers/window';
import { MODEL_LIMITS, memoryLimit, memoryLimitText, structuralLimitText } from './limits';
import type { LayerSpec, ParamTensor, PlannedLayer, PlannedLayerType, Shape } from './types';

/** An output in the graph: its producer (-1: the model input), its shape and receptive field. */
export interface Cursor {
  producer: number;
  shape: Shape;
  field: Field;
}

const volume = (shape: Shape) => shape[0] * shape[1] * shape[2];

function checkTensorValues(values: number, what: string): void {
  if (values > MODEL_LIMITS.tensorValues) throw new Error(`${what} has ${structuralLimitText('tensorValues', values)}`);
}

export class GraphBuilder {
  readonly layers: PlannedLayer[] = [];
  /** Length of the flat parameter array so far. */
  paramSize = 0;
  /** Read once: the environment is slow to read for every layer. */
  private readonly paramLimit = memoryLimit('params');

  /** `image` is the model input's [h, w], which dense and gap fields span. */
  constructor(private readonly image: [number, number]) {}

  /**
   * Appends a layer reading `from` (one cursor; two for 'add', whose shapes the caller has
   * checked to match) and returns the cursor of its output. `where` starts error messages.
   */
  add(
    spec: LayerSpec & { type: PlannedLayerType },
    name: string,
    from: Cursor[],
    blocks: string[],
    where: string,
  ): Cursor {
    const kind = layerKind(spec.type);
    const inputShape = from[0].shape;
    const outputShape = kind.outputShape(spec, inputShape, where);
    checkTensorValues(volume(outputShape), `${where}: its output (${outputShape.join('x')})`);
    const params: ParamTensor[] = kind.params(spec, inputShape, outputShape).map(({ role, shape }) => {
      const size = shape.reduce((a, b) => a * b, 1);
      checkTensorValues(size, `${where}: its ${role} [${shape.join(', ')}]`);
      const tensor: ParamTensor = { name: `${name}.${role}`, role, shape, offset: this.paramSize, size };
      this.paramSize += size;
      return tensor;
    });
    // Checked as the layers are added, so no later layer is even planned (nor a mask allocated) past the limit.
    if (this.paramSize > this.paramLimit) {
      throw new Error(
        `${where}: ${memoryLimitText('params', this.paramSize, 'the model up to this layer', 'the model')}`,
      );
    }
    // Through a join (add) the field is the larger of the two branches'.
    const inputField = from.reduce<Field>(
      (acc, c) => ({
        size: [Math.max(acc.size[0], c.field.size[0]), Math.max(acc.size[1], c.field.size[1])],
        jump: [Math.max(acc.jump[0], c.field.jump[0]), Math.max(acc.jump[1], c.field.jump[1])],
      }),
      from[0].field,
    );
    const field = kind.receptiveField(spec, inputField, this.image);
    const layer: PlannedLayer = {
      index: this.layers.length,
      name,
      type: spec.type,
      spec,
      inputs: from.map((c) => c.producer),
      blocks: [...blocks],
      inputShape,
      outputShape,
      params,
      paramCount: kind.paramCount(spec, inputShape, outputShape),
      connections: kind.connections(spec, inputShape, outputShape),
      activations: volume(outputShape),
      receptiveField: field.size,
      jump: field.jump,
    };
    const unused = kind.unusedInput?.(spec, inputShape);
    if (unused) layer.unused = unused;
    const mask = kind.weightMask?.(spec, inputShape);
    if (mask) layer.weightMask = mask;
    this.layers.push(layer);
    return { producer: layer.index, shape: outputShape, field };
  }
}
