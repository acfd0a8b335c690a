// The explicit table of layer kinds: a type name in a model file maps to the object that
// parses it, infers its shapes, counts it, initialises it and describes it to the addon.
// Adding a layer kind means adding a file in src/layers/ and a line here. 'residual' is a
// type a model file may use but not a kind: the planner expands it into kinds from this
// table (src/model/parse-layer.ts parses it, src/model/residual-plan.ts expands it).
import type { LayerSpec, LayerType, PlannedLayerType } from '../model/types';
import { activation } from './activation';
import { add } from './add';
import { batchnorm } from './batchnorm';
import { conv2d } from './conv2d';
import { dense } from './dense';
import { dropout } from './dropout';
import { closest, describeValue, isPlainObject } from './fields';
import { flatten } from './flatten';
import { gap } from './gap';
import type { LayerKind } from './kind';
import { leakyRelu } from './leaky-relu';
import { lrn } from './lrn';
import { pool } from './pool';
import { RESIDUAL_NAME_PREFIX } from './residual';
import { subsample } from './subsample';

export type { LayerKind } from './kind';

/** The spec interface whose "type" admits T (PoolSpec for 'maxpool'). */
type SpecOf<T extends LayerType, X = LayerSpec> = X extends { type: infer U } ? (T extends U ? X : never) : never;

const REGISTRY: { [T in PlannedLayerType]: LayerKind<SpecOf<T>> } = {
  conv2d,
  maxpool: pool,
  avgpool: pool,
  gap,
  subsample,
  dense,
  relu: activation,
  tanh: activation,
  sigmoid: activation,
  'scaled-tanh': activation,
  gelu: activation,
  'leaky-relu': leakyRelu,
  flatten,
  batchnorm,
  dropout,
  lrn,
  add,
};

/** The types a model file may use: the table's, but 'add' (made by the planner), plus 'residual'. */
export const LAYER_TYPES = [...Object.keys(REGISTRY).filter((t) => t !== 'add'), 'residual'] as LayerType[];

export function isLayerType(type: unknown): type is LayerType {
  return typeof type === 'string' && (type === 'residual' || Object.prototype.hasOwnProperty.call(REGISTRY, type));
}

/** The layer kind that handles `type`. */
export function layerKind(type: PlannedLayerType): LayerKind {
  return REGISTRY[type] as unknown as LayerKind;
}

/** The stem of a layer's default name (conv, bn, fc, block, ...). */
export function namePrefixOf(spec: LayerSpec): string {
  return spec.type === 'residual' ? RESIDUAL_NAME_PREFIX : layerKind(spec.type).namePrefix(spec);
}

/** The "type" of a raw JSON layer, checked against the table; the error suggests the closest known type. */
export function rawLayerType(raw: unknown, where: string): LayerType {
  if (!isPlainObject(raw))
    throw new Error(`${where}: a layer must be an object like {"type": "conv2d", ...}, got ${describeValue(raw)}`);
  const type = raw.type;
  if (type === undefined) throw new Error(`${where}: "type" is required: one of ${LAYER_TYPES.join(', ')}`);
  if (type === 'add') {
    throw new Error(
      `${where}: "add" layers are made by residual blocks; write {"type": "residual", "body": [...]} and the planner adds the shortcut and the add`,
    );
  }
  if (isLayerType(type)) return type;
  const guess = typeof type === 'string' ? closest(type, LAYER_TYPES) : undefined;
  const hint = guess ? ` (did you mean "${guess}"?)` : '';
  throw new Error(`${where}: unknown layer type ${describeValue(type)}${hint}; known types: ${LAYER_TYPES.join(', ')}`);
}
