// Parsers for option values: each turns a string into a number or shape, or throws
// commander's InvalidArgumentError, which commander reports as
// "error: option '--lr <x>' argument '0' is invalid. <our reason>".
import * as os from 'node:os';
import { usableCpus } from '../train/cpu-budget';
import { InvalidArgumentError } from 'commander';
import type { Shape } from '../model/types';
import { parseLabelList } from '../data/label-subset';

function toNumber(value: string): number {
  const trimmed = value.trim();
  if (trimmed === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed)) {
    throw new InvalidArgumentError('It must be a number.');
  }
  return Number(trimmed);
}

export function positiveInt(value: string): number {
  const n = toNumber(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('It must be a whole number of at least 1.');
  if (n > 2 ** 31 - 1) throw new InvalidArgumentError('It is too large.');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = toNumber(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('It must be a whole number, 0 or more.');
  if (n > 2 ** 32 - 1) throw new InvalidArgumentError('It is too large.');
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = toNumber(value);
  if (!(n >= 0) || !Number.isFinite(n)) throw new InvalidArgumentError('It must be a number, 0 or more.');
  return n;
}

export function batchSize(value: string): number {
  const n = positiveInt(value);
  if (n > 65536) throw new InvalidArgumentError('It must be at most 65536.');
  return n;
}

export function learningRate(value: string): number {
  const n = toNumber(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('The learning rate must be greater than 0.');
  if (n > 10) throw new InvalidArgumentError('A learning rate above 10 cannot train; try 0.01 to 0.1.');
  return n;
}

export function momentum(value: string): number {
  const n = toNumber(value);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError('Momentum must be at least 0 and below 1 (0.9 is usual).');
  return n;
}

export function weightDecay(value: string): number {
  const n = toNumber(value);
  if (!(n >= 0) || n >= 1) throw new InvalidArgumentError('Weight decay must be at least 0 and below 1 (5e-4 is usual).');
  return n;
}

/** Up to four threads per core: more only adds contention. */
export function threads(value: string): number {
  const n = positiveInt(value);
  const cores = os.availableParallelism();
  const limit = Math.max(4 * cores, 4);
  if (n > limit) {
    throw new InvalidArgumentError(`This machine has ${cores} cores; use at most ${limit} threads (${cores} is usually best).`);
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
  if (c < 1 || h < 1 || w < 1 || c > 4096 || h > 8192 || w > 8192) {
    throw new InvalidArgumentError('Each of C,H,W must be at least 1 (C at most 4096, H and W at most 8192).');
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
