// Reads a user's JSON model file ({name?, description?, input: [C,H,W], classes, layers: [...]})
// into a ModelSpec, checking every field so that a mistake is reported with the file, the
// layer (for a residual block's body, the path: "layer 4 (layer1.0) body layer 2 (conv2)")
// and the field it is in. Shapes are checked later by planModel (an --input override
// may change them).
import * as path from 'node:path';
import { closest, describeValue, expectFields, isPlainObject } from '../layers/fields';
import { layerNames } from './layer-names';
import { checkLayerTree, parseLayer } from './parse-layer';
import { checkClassCount, checkInputShape } from './limits';
import { settingProblem, type SettingRuleName } from '../train/setting-rules';
import type { InitScheme, ModelSpec, TrainDefaults } from './types';

const MODEL_FIELDS = ['name', 'description', 'input', 'classes', 'layers', 'init', 'initValue', 'defaults'] as const;
const INIT_SCHEMES: InitScheme['kind'][] = [
  'he-uniform',
  'he-normal-fan-out',
  'lecun-1998',
  'xavier-uniform',
  'constant',
];
/** Each training default: checked with the rule of the option it stands for, or a string. */
const DEFAULT_FIELDS: Record<keyof TrainDefaults, SettingRuleName | 'string'> = {
  epochs: 'positiveInt',
  batchSize: 'batchSize',
  lr: 'learningRate',
  momentum: 'momentum',
  weightDecay: 'weightDecay',
  schedule: 'string',
  augment: 'string',
};

/** The model described by `raw` (parsed JSON); `source` (the file) starts every error message. */
export function modelFromJson(raw: unknown, source: string): ModelSpec {
  if (!isPlainObject(raw))
    throw new Error(
      `${source}: a model file must hold an object like {"input": [1, 28, 28], "classes": 10, "layers": [...]}, got ${describeValue(raw)}`,
    );
  const fields = expectFields(raw, source, MODEL_FIELDS);
  const model: ModelSpec = {
    name: modelName(fields, source),
    description: optionalString(fields, 'description', source) ?? `model from ${source}`,
    input: inputShape(fields.input, source),
    classes: classCount(fields.classes, source),
    layers: layers(fields.layers, source),
  };
  if (fields.init !== undefined) model.init = initScheme(fields.init, source);
  if (fields.initValue !== undefined) {
    if (typeof fields.initValue !== 'number' || !Number.isFinite(fields.initValue))
      throw new Error(`${source}: "initValue" must be a number, got ${describeValue(fields.initValue)}`);
    model.initValue = fields.initValue;
  }
  if (fields.defaults !== undefined) model.defaults = trainDefaults(fields.defaults, source);
  return model;
}

/** The name is printed and names files: control characters (a terminal escape, a newline) are refused. */
function modelName(fields: Record<string, unknown>, source: string): string {
  const name = optionalString(fields, 'name', source) ?? path.basename(source).replace(/\.json$/i, '');
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) {
    throw new Error(`${source}: "name" must not contain control characters, got ${JSON.stringify(name)}`);
  }
  return name;
}

function optionalString(fields: Record<string, unknown>, field: string, source: string): string | undefined {
  const value = fields[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0)
    throw new Error(`${source}: "${field}" must be a non-empty string, got ${describeValue(value)}`);
  return value;
}

function inputShape(value: unknown, source: string): [number, number, number] {
  if (value === undefined)
    throw new Error(`${source}: "input" is required: [channels, height, width], e.g. [1, 28, 28]`);
  const ok = Array.isArray(value) && value.length === 3 && value.every((n) => Number.isInteger(n) && n > 0);
  if (!ok)
    throw new Error(
      `${source}: "input" must be [channels, height, width] of positive integers, got ${describeValue(value)}`,
    );
  checkInputShape(value as [number, number, number], `${source}: "input"`);
  return [...value] as [number, number, number];
}

function classCount(value: unknown, source: string): number {
  if (value === undefined) throw new Error(`${source}: "classes" is required: a positive integer`);
  if (!Number.isInteger(value) || (value as number) < 1)
    throw new Error(`${source}: "classes" must be a positive integer, got ${describeValue(value)}`);
  checkClassCount(value as number, `${source}: "classes"`);
  return value as number;
}

function layers(value: unknown, source: string): ModelSpec['layers'] {
  if (!Array.isArray(value) || value.length === 0)
    throw new Error(`${source}: "layers" must be a non-empty array of layers, got ${describeValue(value)}`);
  checkLayerTree(value, source);
  const names = layerNames(value, `${source}: `);
  return value.map((raw, i) => parseLayer(raw, `${source}: layer ${i} (${names[i]})`));
}

function initScheme(value: unknown, source: string): InitScheme['kind'] {
  if (typeof value === 'string' && (INIT_SCHEMES as string[]).includes(value)) return value as InitScheme['kind'];
  const guess = typeof value === 'string' ? closest(value, INIT_SCHEMES) : undefined;
  const hint = guess ? ` (did you mean "${guess}"?)` : '';
  throw new Error(`${source}: "init" must be one of ${INIT_SCHEMES.join(', ')}, got ${describeValue(value)}${hint}`);
}

function trainDefaults(value: unknown, source: string): Partial<TrainDefaults> {
  const where = `${source}: "defaults"`;
  const fields = expectFields(value, where, Object.keys(DEFAULT_FIELDS));
  const defaults: Record<string, number | string> = {};
  for (const [field, wanted] of Object.entries(DEFAULT_FIELDS)) {
    const v = fields[field];
    if (v === undefined) continue;
    if (wanted === 'string') {
      if (typeof v !== 'string') throw new Error(`${where}: "${field}" must be a string, got ${describeValue(v)}`);
    } else {
      const problem = settingProblem(v, wanted);
      if (problem) throw new Error(`${where}: "${field}" is ${describeValue(v)}: ${problem}`);
    }
    defaults[field] = v as number | string;
  }
  return defaults as Partial<TrainDefaults>;
}
