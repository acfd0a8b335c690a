// Shape inference: from a model spec to the plan every other part uses (summary, init,
// the native network, checkpoints). Each layer's kind in src/layers/ does its own
// arithmetic; this file walks the layers in order, names them, lays their tensors out in
// one flat array (layer order, weight before bias), and checks the output fits the classes.
import { layerKind, parseLayer } from '../layers/registry';
import type { Field } from '../layers/window';
import { describeValue } from '../layers/fields';
import { layerNames } from './layer-names';
import type { DenseSpec, LayerSpec, ModelSpec, ParamTensor, Plan, PlannedLayer, Shape } from './types';

export { modelFromJson } from './model-json';

export interface PlanOverrides {
  /** Replaces the model's input shape (e.g. a dataset with other image sizes). */
  input?: Shape;
  /** Replaces the class count: the last dense layer gets this many units. */
  classes?: number;
}

const volume = (shape: Shape) => shape[0] * shape[1] * shape[2];
const shapeText = (shape: Shape) => shape.join('x');

function checkInput(input: unknown, prefix: string): Shape {
  const ok = Array.isArray(input) && input.length === 3 && input.every((n) => Number.isInteger(n) && n > 0);
  if (!ok) throw new Error(`${prefix}the input must be [channels, height, width] of positive integers, got ${describeValue(input)}`);
  return [...input] as Shape;
}

function checkClasses(classes: unknown, prefix: string): number {
  if (!Number.isInteger(classes) || (classes as number) < 1) throw new Error(`${prefix}the class count must be a positive integer, got ${describeValue(classes)}`);
  return classes as number;
}

/** Plans `model`: every layer's shapes, parameter tensors and offsets, counts and receptive field. */
export function planModel(model: ModelSpec, overrides: PlanOverrides = {}): Plan {
  const prefix = `model ${model.name}: `;
  const input = checkInput(overrides.input ?? model.input, prefix);
  const classes = checkClasses(overrides.classes ?? model.classes, prefix);
  if (!Array.isArray(model.layers) || model.layers.length === 0) throw new Error(`${prefix}the model has no layers`);

  const names = layerNames(model.layers, prefix);
  // Parsed again (a zoo model never went through modelFromJson) to check it and fill in the defaults.
  const specs = model.layers.map((raw, i) => parseLayer(raw, `${prefix}layer ${i} (${names[i]})`));
  if (overrides.classes !== undefined) resizeLastDense(specs, classes);

  const layers: PlannedLayer[] = [];
  let shape = input;
  let field: Field = { size: [1, 1], jump: [1, 1] };
  let offset = 0;
  specs.forEach((spec, index) => {
    const layer = planLayer(spec, index, names[index], shape, field, [input[1], input[2]], offset, prefix);
    layers.push(layer);
    shape = layer.outputShape;
    field = { size: layer.receptiveField, jump: layer.jump };
    offset += layer.params.reduce((sum, p) => sum + p.size, 0);
  });

  const last = layers[layers.length - 1];
  if (volume(last.outputShape) !== classes) {
    throw new Error(`${prefix}layer ${last.index} (${last.name}): the last layer outputs ${volume(last.outputShape)} values (${shapeText(last.outputShape)}), ` +
      `but the model has ${classes} classes: it must output one value per class`);
  }

  return {
    model: { ...model, input, classes, layers: specs },
    input,
    classes,
    layers,
    paramSize: offset,
    totals: {
      params: layers.reduce((sum, l) => sum + l.paramCount, 0),
      connections: layers.reduce((sum, l) => sum + l.connections, 0),
      activations: volume(input) + layers.reduce((sum, l) => sum + l.activations, 0),
    },
  };
}

/** The classes override: the last dense layer is the classifier, so it takes the new class count. */
function resizeLastDense(specs: LayerSpec[], classes: number): void {
  for (let i = specs.length - 1; i >= 0; i--) {
    if (specs[i].type === 'dense') {
      specs[i] = { ...(specs[i] as DenseSpec), units: classes };
      return;
    }
  }
}

function planLayer(spec: LayerSpec, index: number, name: string, inputShape: Shape, inputField: Field,
                   image: [number, number], offset: number, prefix: string): PlannedLayer {
  const kind = layerKind(spec.type);
  const where = `${prefix}layer ${index} (${name})`;
  const outputShape = kind.outputShape(spec, inputShape, where);
  let next = offset;
  const params: ParamTensor[] = kind.params(spec, inputShape, outputShape).map(({ role, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const tensor: ParamTensor = { name: `${name}.${role}`, role, shape, offset: next, size };
    next += size;
    return tensor;
  });
  const field = kind.receptiveField(spec, inputField, image);
  const layer: PlannedLayer = {
    index,
    name,
    type: spec.type,
    spec,
    inputs: [index - 1],
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
  return layer;
}
