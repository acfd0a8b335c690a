// Parsers for option values: each turns a string into a number or shape, or throws
// commander's InvalidArgumentError, which commander reports as
// "error: option '--lr <x>' argument '0' is invalid. <our reason>".
import * as os from 'node:os';
import { usableCpus } from '../train/cpu-budget';
import { InvalidArgumentError } from 'commander';
import type { Shape } from '../model/types';
import { parseLabelList } from '../data/label-subset';
import { MODEL_LIMITS, PICTURE_LIMITS } from '../model/limits';
import { SETTING_RULES, type SettingRuleName } from '../train/setting-rules';

function toNumber(value: string): number {
  const trimmed = value.trim();
  if (trimmed === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed)) {
    throw new InvalidArgumentError('It must be a number.');
  }
  return Number(trimmed);
}

/** The number in `value`, kept only if it keeps the shared rule (src/train/setting-rules.ts). */
function ruled(value: string, rule: SettingRuleName): number {
  const n = toNumber(value);
  const problem = SETTING_RULES[rule](n);
  if (problem) throw new InvalidArgumentError(problem);
  return n;
}

export const positiveInt = (value: string): number => ruled(value, 'positiveInt');
export const nonNegativeInt = (value: string): number => ruled(value, 'nonNegativeInt');
export const nonNegativeNumber = (value: string): number => ruled(value, 'nonNegativeNumber');
export const batchSize = (value: string): number => ruled(value, 'batchSize');
export const learningRate = (value: string): number => ruled(value, 'learningRate');
export const momentum = (value: string): number => ruled(value, 'momentum');
export const weightDecay = (value: string): number => ruled(value, 'weightDecay');
/** A magnification of picture pixels (viz --scale): at most PICTURE_LIMITS.scale. */
export function pictureScale(value: string): number {
  const n = positiveInt(value);
  if (n > PICTURE_LIMITS.scale) throw new InvalidArgumentError(`It must be at most ${PICTURE_LIMITS.scale}.`);
  return n;
}

/** --classes: at most the class limit of src/model/limits.ts. */
export const classCount = (value: string): number => ruled(value, 'classes');

/** Up to four threads per core: more only adds contention. */
export function threads(value: string): number {
  const n = positiveInt(value);
  const cores = os.availableParallelism();
  const limit = Math.max(4 * cores, 4);
  if (n > limit) {
    throw new InvalidArgumentError(
      `This machine has ${cores} cores; use at most ${limit} threads (${cores} is usually best).`,
    );
  }
  return n;
}

/** "C,H,W", e.g. "1,28,28". */
export function shape(value: string): Shape {
  const parts = value.split(/[,x]/).map((p) => p.trim());
  if (parts.length !== 3 || parts.some((p) => !/^\d+$/.test(p))) {
    throw new InvalidArgumentError('It must be three whole numbers C,H,W, e.g. 3,32,32.');
  }
  const [c, h, w] = parts.map(Number);
  const { channels, imageSide } = MODEL_LIMITS;
  if (c < 1 || h < 1 || w < 1 || c > channels || h > imageSide || w > imageSide) {
    throw new InvalidArgumentError(
      `Each of C,H,W must be at least 1 (C at most ${channels}, H and W at most ${imageSide}).`,
    );
  }
  return [c, h, w];
}

/** The CPUs this process may use (affinity mask and cgroup quota); commands that compute for a while lower it on a busy machine (default-threads.ts). */
export function defaultThreads(): number {
  return usableCpus();
}

/** --labels: "0,1,2", "5-9" or a mix, distinct, in the order that numbers them 0..k-1. */
export function labelList(value: string): number[] {
  try {
    return parseLabelList(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message + '.');
  }
}

/** --test-split: a fraction in [0, 1) of each class held out for testing. */
export function testSplit(value: string): number {
  const n = toNumber(value);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError('It must be a fraction at least 0 and below 1, e.g. 0.2.');
  return n;
}
