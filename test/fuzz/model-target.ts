// Fuzz target for model files (src/model/model-json.ts, then planModel): small valid models
// of every layer kind, then JSON rewrites (a field set to a huge, negative or wrong-typed
// value, a field removed, a layer repeated thousands of times, residual blocks nested far past
// the limit, a layer's type changed) beside the byte-level mutations of the text. A model must
// plan or be refused with our message naming the file, within the runner's time and memory
// bounds: nothing may be sized by a declared number before the limits have checked it.
import * as fs from 'fs';
import { modelFromJson, planModel } from '../../src/model/plan';
import type { Plan } from '../../src/model/types';
import { MODEL_LIMITS } from '../../src/model/limits';
import { Rng } from '../../src/train/rng';
import { pick, type Mutation } from './mutate';
import { mutateSome, refusedAs, RefusedInput, ODD_JSON_VALUES, type FuzzTarget } from './target';

// A small parameter limit keeps a connection table's weight mask (sized like the weights) within the allowance.
const MAX_PARAMS = 100000;

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const BODY = [{ type: 'conv2d', filters: 4, kernel: 3, pad: 1 }, { type: 'batchnorm' }, { type: 'relu' }];
const LAYERS: Json[][] = [
  [
    { type: 'conv2d', filters: 4, kernel: 5 },
    { type: 'maxpool', size: 2 },
    { type: 'relu' },
    { type: 'dense', units: 10 },
  ],
  [
    { type: 'conv2d', filters: 6, kernel: 3, stride: 2, connections: [[0], [0], [0], [0], [0], [0]] },
    { type: 'avgpool', size: 2, stride: 2 },
    { type: 'lrn', size: 3 },
    { type: 'tanh' },
    { type: 'flatten' },
    { type: 'dropout', p: 0.2 },
    { type: 'dense', units: 10 },
  ],
  [
    { type: 'conv2d', filters: 4, kernel: 3, pad: 1 },
    { type: 'residual', body: BODY, activation: 'relu' },
    { type: 'gap' },
    { type: 'dense', units: 10 },
  ],
  [
    { type: 'subsample', size: 2 },
    { type: 'scaled-tanh' },
    { type: 'dense', units: 32 },
    { type: 'sigmoid' },
    { type: 'dense', units: 10 },
  ],
];

function validModel(rng: Rng): Json {
  return { name: 'fuzz', input: [1, 12, 12], classes: 10, layers: JSON.parse(JSON.stringify(pick(rng, LAYERS))) };
}

/** Every layer object of the model, residual bodies included. */
function allLayers(model: Json): Json[] {
  const out: Json[] = [];
  const pending: Json[] = Array.isArray(model?.layers) ? [...model.layers] : [];
  while (pending.length > 0 && out.length < 100000) {
    const layer = pending.pop();
    if (layer && typeof layer === 'object') {
      out.push(layer);
      if (Array.isArray(layer.body)) pending.push(...layer.body);
    }
  }
  return out;
}

const FIELDS = [
  'filters',
  'kernel',
  'stride',
  'pad',
  'units',
  'size',
  'connections',
  'body',
  'p',
  'type',
  'activation',
  'shortcut',
  'name',
];

/** A rewrite of the parsed JSON, encoded again; text that no longer parses is left as it is. */
function rewrite(name: string, change: (model: Json, rng: Rng) => Json | void): Mutation {
  return {
    name,
    apply: (b, rng) => {
      let model: Json;
      try {
        model = JSON.parse(b.toString('utf8'));
      } catch {
        return b;
      }
      const changed = change(model, rng) ?? model;
      return typeof changed === 'string'
        ? Buffer.from(changed, 'utf8')
        : Buffer.from(JSON.stringify(changed) ?? 'null', 'utf8');
    },
  };
}

const hugeOrOdd = (rng: Rng) =>
  rng.int(2) === 0
    ? pick(rng, [1e6, 1e9, 2 ** 31 - 1, 2 ** 32, 1e15, 8192, 8193, 1024, 1025, 65536, 65537])
    : pick(rng, ODD_JSON_VALUES);

const JSON_REWRITES: Mutation[] = [
  rewrite('a layer field', (m, rng) => {
    const layers = allLayers(m);
    if (layers.length > 0) pick(rng, layers)[pick(rng, FIELDS)] = hugeOrOdd(rng);
  }),
  rewrite('a layer field removed', (m, rng) => {
    const layers = allLayers(m);
    if (layers.length > 0) delete pick(rng, layers)[pick(rng, FIELDS)];
  }),
  rewrite('a model field', (m, rng) => {
    if (m && typeof m === 'object')
      m[pick(rng, ['input', 'classes', 'layers', 'name', 'init', 'initValue', 'defaults'])] =
        rng.int(3) === 0 ? [1, pick(rng, [1, 8192, 8193, 1e6]), pick(rng, [1, 8192, 1e6])] : hugeOrOdd(rng);
  }),
  rewrite('a layer repeated', (m, rng) => {
    if (!Array.isArray(m?.layers) || m.layers.length === 0) return;
    // A few copies of any layer, or one past the layer limit of the smallest layer (200,000 layers: test/model/limits.test.ts).
    const big = rng.int(2) === 0;
    const layer = big ? { type: 'relu' } : pick(rng, m.layers);
    const copies = big ? MODEL_LIMITS.layers + 1 : 1 + rng.int(10);
    m.layers.splice(rng.int(m.layers.length), 0, ...Array.from({ length: copies }, () => layer));
  }),
  rewrite('deeply nested residual blocks', (m, rng) => {
    if (!Array.isArray(m?.layers)) return;
    const depth = pick(rng, [2, 64, 65, 300]); // 5,000 deep: test/model/limits.test.ts
    const text = JSON.stringify(m.layers);
    // As text: JSON.stringify would overflow the stack on it.
    const nested = '{"type":"residual","body":['.repeat(depth) + '{"type":"relu"}' + ']}'.repeat(depth);
    return JSON.stringify({ ...m, layers: [] }).replace('"layers":[]', `"layers":[${nested},${text.slice(1, -1)}]`);
  }),
  rewrite('a layer type', (m, rng) => {
    const layers = allLayers(m);
    if (layers.length > 0)
      pick(rng, layers).type = pick(rng, [
        'conv2d',
        'dense',
        'residual',
        'add',
        'maxpool',
        'lrn',
        'gap',
        'flatten',
        'conv',
        7,
      ]);
  }),
];

/** Loads a model file as `cnn summary FILE` does: parse, check, plan. */
export function planModelFile(file: string): Plan {
  process.env.CNN_MAX_PARAMS = String(MAX_PARAMS);
  return refusedAs(file, () => {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file} is not valid JSON: ${(e as Error).message}`); // as the CLI's resolveModel reports it
    }
    return planModel(modelFromJson(raw, file));
  });
}

export const modelTarget: FuzzTarget = {
  name: 'model',
  errorClass: RefusedInput,
  makeCase(rng) {
    const mutations: string[] = [];
    const bytes = Buffer.from(JSON.stringify(validModel(rng)), 'utf8');
    return { bytes: mutateSome(bytes, JSON_REWRITES, rng, mutations), ext: '.json', mutations };
  },
  load: planModelFile,
  checkLoaded(result) {
    const plan = result as Plan;
    if (plan.layers.length === 0) return 'a plan without layers';
    if (!(plan.paramSize <= MAX_PARAMS)) return `a plan of ${plan.paramSize} parameters, above the ${MAX_PARAMS} limit`;
    const last = plan.layers[plan.layers.length - 1].outputShape;
    if (last[0] * last[1] * last[2] !== plan.classes)
      return `the last layer outputs ${last.join('x')} for ${plan.classes} classes`;
    return null;
  },
  // The text (read as bytes) and a weight mask no larger than the parameter limit.
  allowance: (bytes) => 2 * bytes.length + 4 * MAX_PARAMS,
};
