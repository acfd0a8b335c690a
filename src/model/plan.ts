// Shape inference: from a model spec to the plan every other part uses (summary, init,
// the native network, checkpoints). Each layer's kind in src/layers/ does its own
// arithmetic; this file walks the layers in order (expanding residual blocks into their
// body, shortcut and add, see residual-plan.ts), names them, lays their tensors out in one
// flat array (layer order; weight, bias, then buffers), and checks the output fits the classes.
import { describeValue } from '../layers/fields';
import { GraphBuilder, type Cursor } from './graph-builder';
import { layerNames } from './layer-names';
import { checkLayerTree, parseLayer } from './parse-layer';
import { checkClassCount, checkInputShape } from './limits';
import { expandResidual } from './residual-plan';
import type { DenseSpec, LayerSpec, ModelSpec, Plan, Shape } from './types';

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
  if (!ok)
    throw new Error(
      `${prefix}the input must be [channels, height, width] of positive integers, got ${describeValue(input)}`,
    );
  checkInputShape(input as Shape, `${prefix}the input`);
  return [...input] as Shape;
}

function checkClasses(classes: unknown, prefix: string): number {
  if (!Number.isInteger(classes) || (classes as number) < 1)
    throw new Error(`${prefix}the class count must be a positive integer, got ${describeValue(classes)}`);
  checkClassCount(classes as number, `${prefix}the class count`);
  return classes as number;
}

/** Plans `model`: every layer's shapes, inputs, parameter tensors and offsets, counts and receptive field. */
export function planModel(model: ModelSpec, overrides: PlanOverrides = {}): Plan {
  const prefix = `model ${model.name}: `;
  const input = checkInput(overrides.input ?? model.input, prefix);
  const classes = checkClasses(overrides.classes ?? model.classes, prefix);
  if (!Array.isArray(model.layers) || model.layers.length === 0) throw new Error(`${prefix}the model has no layers`);
  checkLayerTree(model.layers, `model ${model.name}`);

  const names = layerNames(model.layers, prefix);
  const whereOf = (i: number, name: string) => `${prefix}layer ${i} (${name})`;
  // Parsed again (a zoo model never went through modelFromJson) to check it and fill in the defaults.
  const specs = model.layers.map((raw, i) => parseLayer(raw, whereOf(i, names[i])));
  if (overrides.classes !== undefined) resizeLastDense(specs, classes);

  const builder = new GraphBuilder([input[1], input[2]]);
  const planLayers = (
    list: LayerSpec[],
    listNames: string[],
    from: Cursor,
    blocks: string[],
    where: (i: number, name: string) => string,
  ): Cursor => {
    let cursor = from;
    list.forEach((spec, i) => {
      const local = listNames[i];
      const name = blocks.length > 0 ? `${blocks[blocks.length - 1]}.${local}` : local;
      cursor =
        spec.type === 'residual'
          ? expandResidual(builder, spec, name, cursor, blocks, where(i, local), planLayers)
          : builder.add(spec, name, [cursor], blocks, where(i, local));
    });
    return cursor;
  };
  planLayers(specs, names, { producer: -1, shape: input, field: { size: [1, 1], jump: [1, 1] } }, [], whereOf);
  const layers = builder.layers;
  checkUniqueNames(
    layers.map((l) => l.name),
    prefix,
  );

  const last = layers[layers.length - 1];
  if (volume(last.outputShape) !== classes) {
    throw new Error(
      `${prefix}layer ${last.index} (${last.name}): the last layer outputs ${volume(last.outputShape)} values (${shapeText(last.outputShape)}), ` +
        `but the model has ${classes} classes: it must output one value per class`,
    );
  }

  return {
    model: { ...model, input, classes, layers: specs },
    input,
    classes,
    layers,
    paramSize: builder.paramSize,
    totals: {
      params: layers.reduce((sum, l) => sum + l.paramCount, 0),
      connections: layers.reduce((sum, l) => sum + l.connections, 0),
      activations: volume(input) + layers.reduce((sum, l) => sum + l.activations, 0),
    },
  };
}

/** The classes override: the last top-level dense layer is the classifier, so it takes the new class count. */
function resizeLastDense(specs: LayerSpec[], classes: number): void {
  for (let i = specs.length - 1; i >= 0; i--) {
    if (specs[i].type === 'dense') {
      specs[i] = { ...(specs[i] as DenseSpec), units: classes };
      return;
    }
  }
}

/** Block prefixes can make an expanded name collide with a top-level one (a layer named "layer1.0.conv1"). */
function checkUniqueNames(names: string[], prefix: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name))
      throw new Error(`${prefix}two layers are named "${name}" once residual blocks are expanded; rename one of them`);
    seen.add(name);
  }
}
