// The explicit table of layer kinds: a type name in a model file maps to the object that
// parses it, infers its shapes, counts it, initialises it and describes it to the addon.
// Adding a layer kind means adding a file in src/layers/ and a line here.
import type { LayerSpec, LayerType } from '../model/types';
import { activation } from './activation';
import { conv2d } from './conv2d';
import { dense } from './dense';
import { closest, describeValue, isPlainObject } from './fields';
import { flatten } from './flatten';
import type { LayerKind } from './kind';
import { pool } from './pool';
import { subsample } from './subsample';

export type { LayerKind } from './kind';

/** The spec interface whose "type" admits T (PoolSpec for 'maxpool'). */
type SpecOf<T extends LayerType, X = LayerSpec> = X extends { type: infer U } ? (T extends U ? X : never) : never;

const REGISTRY: { [T in LayerType]: LayerKind<SpecOf<T>> } = {
  conv2d,
  maxpool: pool,
  avgpool: pool,
  subsample,
  dense,
  relu: activation,
  tanh: activation,
  sigmoid: activation,
  'scaled-tanh': activation,
  flatten,
};

export const LAYER_TYPES = Object.keys(REGISTRY) as LayerType[];

export function isLayerType(type: unknown): type is LayerType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(REGISTRY, type);
}

/** The layer kind that handles `type`. */
export function layerKind(type: LayerType): LayerKind {
  return REGISTRY[type] as unknown as LayerKind;
}

/** The "type" of a raw JSON layer, checked against the table; the error suggests the closest known type. */
export function rawLayerType(raw: unknown, where: string): LayerType {
  if (!isPlainObject(raw)) throw new Error(`${where}: a layer must be an object like {"type": "conv2d", ...}, got ${describeValue(raw)}`);
  const type = raw.type;
  if (type === undefined) throw new Error(`${where}: "type" is required: one of ${LAYER_TYPES.join(', ')}`);
  if (isLayerType(type)) return type;
  const guess = typeof type === 'string' ? closest(type, LAYER_TYPES) : undefined;
  const hint = guess ? ` (did you mean "${guess}"?)` : '';
  throw new Error(`${where}: unknown layer type ${describeValue(type)}${hint}; known types: ${LAYER_TYPES.join(', ')}`);
}

/** Parses one raw JSON layer: its type picks the kind, the kind checks the rest. */
export function parseLayer(raw: unknown, where: string): LayerSpec {
  return layerKind(rawLayerType(raw, where)).parse(raw, where);
}
