// A checkpoint's "training" and "position" metadata are input like any option: a file edited
// by hand (its checksum recomputed) or written by a buggy tool must not train with a learning
// rate of -1 or start at epoch 10^12. Each setting is checked with the rule the command line
// uses for the same option (src/train/setting-rules.ts); the position must be one a run can
// reach. Errors name the file, the field and the value.
import { formatAugment, parseAugment } from '../data/augment';
import { SWAP_ACTIVATIONS } from '../model/activation-swap';
import { SCHEDULES } from './schedule';
import { OPTIMIZERS } from './optimizer';
import { KEEP_CHOICES } from './keep-best';
import { settingProblem, type SettingRuleName } from './setting-rules';
import type { TrainSettings, TrainingPosition } from './training-checkpoint';

type Fields = Record<string, unknown>;

class MetadataChecker {
  constructor(
    private readonly file: string,
    private readonly key: string,
    readonly fields: Fields,
  ) {}

  fail(field: string, why: string): never {
    const value = JSON.stringify(this.fields[field]) ?? 'nothing';
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    throw new Error(
      `${this.file}: the checkpoint's "${this.key}" metadata has "${field}": ${shown}, which is not valid: ${why} ` +
        'The file was edited or damaged; resume from another checkpoint or start a new run.',
    );
  }

  rule(field: string, rule: SettingRuleName): void {
    const problem = settingProblem(this.fields[field], rule);
    if (problem) this.fail(field, problem);
  }

  optional(field: string, check: (value: unknown) => boolean, wanted: string): void {
    const value = this.fields[field];
    if (value !== undefined && !check(value)) this.fail(field, `it must be ${wanted}.`);
  }

  required(field: string, check: (value: unknown) => boolean, wanted: string): void {
    if (this.fields[field] === undefined) this.fail(field, `it is missing; it must be ${wanted}.`);
    this.optional(field, check, wanted);
  }
}

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isFiniteNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

function checker(file: string, key: string, value: unknown): MetadataChecker {
  if (!isObject(value))
    throw new Error(`${file}: the checkpoint's "${key}" metadata is not an object; the file is damaged.`);
  return new MetadataChecker(file, key, value);
}

/** The stored training settings, checked field by field with the command line's rules. */
export function checkTrainSettings(file: string, value: unknown): TrainSettings {
  const c = checker(file, 'training', value);
  c.rule('epochs', 'positiveInt');
  c.rule('batchSize', 'batchSize');
  c.rule('lr', 'learningRate');
  c.rule('momentum', 'momentum');
  c.rule('weightDecay', 'weightDecay');
  c.required('schedule', (v) => (SCHEDULES as unknown[]).includes(v), `one of ${SCHEDULES.join(', ')}`);
  c.rule('stepEvery', 'positiveInt');
  c.rule('warmupEpochs', 'nonNegativeNumber');
  c.rule('seed', 'nonNegativeInt');
  if (c.fields.limit !== null) c.rule('limit', 'positiveInt');
  c.rule('val', 'nonNegativeInt');
  c.rule('patience', 'positiveInt');
  c.required(
    'augment',
    (v) => typeof v === 'string' && isCanonicalAugment(v),
    'an augmentation as --augment takes it (e.g. "none" or "shift=2")',
  );
  c.optional('from', (v) => typeof v === 'string', 'a file name');
  c.optional('reinitHead', (v) => typeof v === 'boolean', 'true or false');
  c.optional('freeze', (v) => Array.isArray(v) && v.every((n) => typeof n === 'string'), 'a list of layer names');
  c.optional(
    'activation',
    (v) => (SWAP_ACTIVATIONS as readonly unknown[]).includes(v),
    `one of ${SWAP_ACTIVATIONS.join(', ')}`,
  );
  checkRecipeSettings(c);
  return c.fields as unknown as TrainSettings;
}

/** The fields of --optimizer, --label-smoothing, --class-weights, --early-stop, --keep, --normalize and --precision. */
function checkRecipeSettings(c: MetadataChecker): void {
  c.optional('optimizer', (v) => (OPTIMIZERS as readonly unknown[]).includes(v), `one of ${OPTIMIZERS.join(', ')}`);
  c.optional(
    'betas',
    (v) => Array.isArray(v) && v.length === 2 && v.every((b) => isFiniteNumber(b) && b >= 0 && b < 1),
    'two numbers in [0, 1)',
  );
  c.optional('eps', (v) => isFiniteNumber(v) && (v as number) > 0, 'a number above 0');
  c.optional(
    'labelSmoothing',
    (v) => isFiniteNumber(v) && (v as number) >= 0 && (v as number) < 1,
    'a number in [0, 1)',
  );
  c.optional(
    'classWeights',
    (v) =>
      Array.isArray(v) && v.length > 0 && v.length <= MAX_CLASS_WEIGHTS && v.every((w) => isFiniteNumber(w) && w >= 0),
    'a list of numbers, each 0 or more',
  );
  c.optional('classWeightsFrom', (v) => typeof v === 'string', 'the --class-weights text');
  c.optional('earlyStop', (v) => Number.isSafeInteger(v) && (v as number) >= 1, 'a whole number of at least 1');
  c.optional('keep', (v) => (KEEP_CHOICES as readonly unknown[]).includes(v), `one of ${KEEP_CHOICES.join(', ')}`);
  c.optional('normalize', (v) => v === 'imagenet', '"imagenet"');
  c.optional('precision', (v) => v === 'bf16', '"bf16"');
}

/** More weights than any model can have classes is a damaged file. */
const MAX_CLASS_WEIGHTS = 1 << 20;

function isCanonicalAugment(text: string): boolean {
  try {
    return formatAugment(parseAugment(text)) === text;
  } catch {
    return false;
  }
}

/** Where training stood: a position a run of `settings` can reach (no later than its last epoch). */
export function checkTrainingPosition(file: string, value: unknown, settings: TrainSettings): TrainingPosition {
  const c = checker(file, 'position', value);
  c.required(
    'epoch',
    (v) => isCount(v) && (v as number) <= settings.epochs,
    `a whole number from 0 to the run's ${settings.epochs} epochs`,
  );
  c.required('stepInEpoch', isCount, 'a whole number, 0 or more');
  c.required('globalStep', isCount, 'a whole number, 0 or more');
  c.required(
    'epochRngState',
    (v) => Array.isArray(v) && v.length === 4 && v.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff),
    'four unsigned 32-bit integers',
  );
  c.required(
    'partial',
    (v) =>
      isObject(v) &&
      isCount(v.seen) &&
      isCount(v.correct) &&
      (v.correct as number) <= (v.seen as number) &&
      isFiniteNumber(v.lossSum) &&
      (v.lossSum as number) >= 0,
    '{lossSum, correct, seen} with 0 <= correct <= seen and a finite lossSum of at least 0',
  );
  c.optional(
    'plateau',
    (v) =>
      isObject(v) &&
      isFiniteNumber(v.lr) &&
      (v.lr as number) > 0 &&
      isCount(v.badEpochs) &&
      (v.best === null || isFiniteNumber(v.best)),
    '{lr, best, badEpochs} with a positive lr',
  );
  c.optional(
    'best',
    (v) =>
      isObject(v) &&
      isCount(v.epoch) &&
      (v.epoch as number) >= 1 &&
      (v.epoch as number) <= settings.epochs &&
      [v.valAccuracy, v.testAccuracy].every((a) => isFiniteNumber(a) && (a as number) >= 0 && (a as number) <= 1),
    '{epoch, valAccuracy, testAccuracy}: an epoch of the run and two accuracies in [0, 1]',
  );
  return c.fields as unknown as TrainingPosition;
}
