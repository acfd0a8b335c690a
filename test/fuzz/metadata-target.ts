// Fuzz target for a checkpoint's metadata (src/train/training-checkpoint.ts loadCheckpoint:
// the stored model, "dataset", "training" and "position"): real checkpoints of a small model
// as cnn train writes them, then one metadata field rewritten to a huge, negative, fractional
// or wrong-typed value, removed, or the stored model's layers made huge, with the checksum
// made valid again so that the checks of the values themselves are what is fuzzed. A file
// must load with settings the command line would accept, or be refused with our message.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checksumOf, CheckpointError, CHECKPOINT_FORMAT } from '../../src/model/checkpoint';
import { decode, encode } from './checkpoint-target';
import { modelFromJson, planModel } from '../../src/model/plan';
import { loadCheckpoint, saveCheckpoint, type LoadedCheckpoint } from '../../src/train/training-checkpoint';
import { SETTING_RULES } from '../../src/train/setting-rules';
import { Rng } from '../../src/train/rng';
import { pick, type Mutation } from './mutate';
import { mutateSome, refusedAs, RefusedInput, ODD_JSON_VALUES, type FuzzTarget } from './target';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const MAX_PARAMS = 1000000;

// Small, so that each case costs little beyond the checks themselves.
const PLAN = planModel(
  modelFromJson(
    {
      name: 'fuzz',
      input: [1, 4, 4],
      classes: 10,
      layers: [
        { type: 'conv2d', filters: 2, kernel: 3, pad: 1 },
        { type: 'batchnorm' },
        { type: 'relu' },
        { type: 'dense', units: 10 },
      ],
    },
    'fuzz.json',
  ),
);

/** A checkpoint as cnn train writes one (saveCheckpoint, once), to vary in memory: files are written only to be read. */
const BASE = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-fuzz-metadata-'));
  try {
    const file = path.join(dir, 'base.safetensors');
    const rng = new Rng(1);
    const params = Float32Array.from({ length: PLAN.paramSize }, () => rng.normal() * 0.1);
    saveCheckpoint(
      file,
      PLAN,
      { params, velocity: new Float32Array(PLAN.paramSize) },
      {
        dataset: {
          name: 'mnist',
          mean: [0.13],
          std: [0.31],
          classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
          fingerprint: { count: 64, shape: [1, 4, 4], sha256: 'a'.repeat(64) },
        },
        settings: {
          epochs: 5,
          batchSize: 16,
          lr: 0.05,
          momentum: 0.9,
          weightDecay: 5e-4,
          schedule: 'cosine',
          stepEvery: 1,
          warmupEpochs: 0,
          seed: 7,
          limit: null,
          val: 0,
          augment: 'none',
          patience: 3,
        },
        position: {
          epoch: 2,
          stepInEpoch: 1,
          globalStep: 9,
          epochRngState: [1, 2, 3, 4],
          partial: { lossSum: 1.5, correct: 3, seen: 16 },
        },
      },
    );
    return decode(fs.readFileSync(file))!;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
})();

/** The file with these metadata (JSON values, encoded as cnn does) and a checksum valid for them. */
function withMetadata(parsed: Record<string, Json>, data: Buffer): Buffer {
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT };
  for (const [k, v] of Object.entries(parsed))
    if (v !== undefined) metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);
  metadata.checksum = checksumOf([data], metadata);
  const { __metadata__: _m, ...tensors } = BASE.header;
  return encode({ ...tensors, __metadata__: metadata }, data);
}

/** The metadata entries of the file as JSON values (the format tag and checksum left out). */
function parsedMetadata(bytes: Buffer): { parsed: Record<string, Json>; data: Buffer } | null {
  const file = decode(bytes);
  const m = file?.header.__metadata__;
  if (!file || !m || typeof m !== 'object') return null;
  const parsed: Record<string, Json> = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === 'checksum' || k === 'format') continue;
    try {
      parsed[k] = JSON.parse(String(v));
    } catch {
      parsed[k] = v;
    }
  }
  return { parsed, data: file.data };
}

function validCheckpoint(rng: Rng): Buffer {
  const { parsed, data } = parsedMetadata(encode(BASE.header, BASE.data))!;
  const epochs = 1 + rng.int(5);
  Object.assign(parsed.training, {
    epochs,
    seed: rng.int(100),
    batchSize: pick(rng, [1, 16, 64]),
    lr: pick(rng, [0.01, 0.05, 10]),
  });
  Object.assign(parsed.position, { epoch: rng.int(epochs + 1), stepInEpoch: rng.int(4) });
  return withMetadata(parsed, data);
}

const KEYS = ['model', 'dataset', 'training', 'position'];
const FIELDS: Record<string, string[]> = {
  model: ['input', 'classes', 'layers', 'name', 'init', 'defaults'],
  dataset: ['name', 'mean', 'std', 'classNames', 'dir', 'labels', 'permutePixels', 'fingerprint'],
  training: [
    'epochs',
    'batchSize',
    'lr',
    'momentum',
    'weightDecay',
    'schedule',
    'stepEvery',
    'warmupEpochs',
    'seed',
    'limit',
    'val',
    'augment',
    'patience',
    'freeze',
    'activation',
  ],
  position: ['epoch', 'stepInEpoch', 'globalStep', 'epochRngState', 'partial', 'plateau'],
};

/** A rewrite of the metadata values, with the checksum made valid for them again. */
function rewrite(name: string, change: (metadata: Record<string, Json>, rng: Rng) => void): Mutation {
  return {
    name,
    apply: (b, rng) => {
      const file = parsedMetadata(b);
      if (!file) return b;
      change(file.parsed, rng);
      return withMetadata(file.parsed, file.data);
    },
  };
}

const odd = (rng: Rng) =>
  rng.int(3) === 0
    ? pick(rng, [1e12, 2 ** 31, 2 ** 32, 65537, 11, 1, -5, 'bogus', 'shift=2'])
    : pick(rng, ODD_JSON_VALUES);

const METADATA_REWRITES: Mutation[] = [
  rewrite('a metadata field', (m, rng) => {
    const key = pick(rng, KEYS);
    if (m[key] && typeof m[key] === 'object') m[key][pick(rng, FIELDS[key])] = odd(rng);
  }),
  rewrite('a metadata field removed', (m, rng) => {
    const key = pick(rng, KEYS);
    if (m[key] && typeof m[key] === 'object') delete m[key][pick(rng, FIELDS[key])];
  }),
  rewrite('a metadata entry', (m, rng) => {
    const key = pick(rng, KEYS);
    if (rng.int(2) === 0) delete m[key];
    else m[key] = odd(rng);
  }),
  rewrite('a stored layer made huge', (m, rng) => {
    const layers = m.model?.layers;
    if (!Array.isArray(layers) || layers.length === 0) return;
    const layer = pick(rng, layers);
    if (layer && typeof layer === 'object')
      layer[pick(rng, ['units', 'filters', 'kernel', 'pad'])] = pick(rng, [1e9, 1e8, 100000, 65537, 1 << 20]);
  }),
  rewrite('partial counts', (m, rng) => {
    if (m.position && typeof m.position === 'object')
      m.position.partial = {
        lossSum: pick(rng, [-1, 1e308, 0]),
        correct: pick(rng, [17, 0, -1]),
        seen: pick(rng, [16, 0, 0.5]),
      };
  }),
];

export const metadataTarget: FuzzTarget = {
  name: 'metadata',
  errorClass: RefusedInput,
  makeCase(rng) {
    const mutations: string[] = [];
    const bytes = validCheckpoint(rng);
    return { bytes: mutateSome(bytes, METADATA_REWRITES, rng, mutations), ext: '.safetensors', mutations };
  },
  load(file) {
    process.env.CNN_MAX_PARAMS = String(MAX_PARAMS);
    return refusedAs(file, () => loadCheckpoint(file), CheckpointError);
  },
  checkLoaded(result) {
    const c = result as LoadedCheckpoint;
    if (!c.dataset.std.every((x) => x > 0)) return `loaded with std ${c.dataset.std}`;
    if (c.params.length !== c.plan.paramSize || c.plan.paramSize > MAX_PARAMS)
      return `${c.params.length} parameters for a plan of ${c.plan.paramSize}`;
    const s = c.settings;
    const p = c.position;
    if (!s) return p ? 'loaded a position without settings' : null; // a checkpoint for eval only
    for (const [field, rule] of [
      ['epochs', 'positiveInt'],
      ['batchSize', 'batchSize'],
      ['lr', 'learningRate'],
      ['momentum', 'momentum'],
      ['weightDecay', 'weightDecay'],
    ] as const) {
      const problem = SETTING_RULES[rule](s[field]);
      if (problem) return `loaded with ${field} ${s[field]}: ${problem}`;
    }
    if (!p) return null;
    if (!(Number.isInteger(p.epoch) && p.epoch >= 0 && p.epoch <= s.epochs))
      return `loaded at epoch ${p.epoch} of ${s.epochs}`;
    if (!(Number.isInteger(p.stepInEpoch) && p.stepInEpoch >= 0)) return `loaded at step ${p.stepInEpoch}`;
    return null;
  },
  // The file's tensors, loaded once by the reader and copied once into the parameter arrays.
  allowance: (bytes) => 3 * bytes.length,
};
