// One rule per kind of training setting, shared by everything that supplies one: the command
// line (src/cli/parse-options.ts turns a broken rule into commander's InvalidArgumentError), a
// model file's "defaults" and a checkpoint's stored settings (checkpoint-metadata.ts). So a
// value the command line refuses, such as a learning rate of -1, is refused in a file too.
// A rule returns null when the value is fine, else the reason, as a sentence.
import { MODEL_LIMITS } from '../model/limits';

export type SettingRule = (n: number) => string | null;

const MAX_INT32 = 2 ** 31 - 1;
const MAX_UINT32 = 2 ** 32 - 1;

const positiveInt: SettingRule = (n) =>
  !Number.isInteger(n) || n < 1
    ? 'It must be a whole number of at least 1.'
    : n > MAX_INT32
      ? 'It is too large.'
      : null;

export const SETTING_RULES = {
  positiveInt,
  nonNegativeInt: (n) =>
    !Number.isInteger(n) || n < 0
      ? 'It must be a whole number, 0 or more.'
      : n > MAX_UINT32
        ? 'It is too large.'
        : null,
  nonNegativeNumber: (n) => (!(n >= 0) || !Number.isFinite(n) ? 'It must be a number, 0 or more.' : null),
  batchSize: (n) => positiveInt(n) ?? (n > 65536 ? 'It must be at most 65536.' : null),
  learningRate: (n) =>
    !(n > 0) || !Number.isFinite(n)
      ? 'The learning rate must be greater than 0.'
      : n > 10
        ? 'A learning rate above 10 cannot train; try 0.01 to 0.1.'
        : null,
  momentum: (n) => (!(n >= 0 && n < 1) ? 'Momentum must be at least 0 and below 1 (0.9 is usual).' : null),
  weightDecay: (n) => (!(n >= 0) || n >= 1 ? 'Weight decay must be at least 0 and below 1 (5e-4 is usual).' : null),
  classes: (n) =>
    positiveInt(n) ??
    (n > MODEL_LIMITS.classes ? `It must be at most ${MODEL_LIMITS.classes} (the class limit).` : null),
} satisfies Record<string, SettingRule>;

export type SettingRuleName = keyof typeof SETTING_RULES;

/** The reason `value` (of any JSON type) breaks `rule`, or null when it is a number that keeps it. */
export function settingProblem(value: unknown, rule: SettingRuleName): string | null {
  if (typeof value !== 'number') return `It must be a number, got ${JSON.stringify(value) ?? String(value)}.`;
  return SETTING_RULES[rule](value);
}
