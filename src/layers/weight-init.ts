// How the weight schemes of a model draw one unit's weights from its fan-in (and fan-out).
// Layer kinds decide which weights belong to one unit; this file only knows the formulas.
import type { InitScheme } from '../model/types';
import type { Rng } from '../train/rng';

export interface InitSettings {
  scheme: InitScheme['kind'];
  /** The value of every weight under 'constant'. */
  value: number;
}

/** Half-width of the uniform range a scheme draws from. */
export function uniformBound(scheme: InitScheme['kind'], fanIn: number, fanOut: number): number {
  switch (scheme) {
    case 'he-uniform': return Math.sqrt(6 / fanIn);
    case 'lecun-1998': return 2.4 / fanIn;
    case 'xavier-uniform': return Math.sqrt(6 / (fanIn + fanOut));
    case 'constant': return 0;
  }
}

/** Fills weights[start, start + count) per the scheme; a 0 in mask (same indexing as weights) pins that weight at 0. */
export function drawWeights(weights: Float32Array, start: number, count: number, fanIn: number, fanOut: number,
                            init: InitSettings, rng: Rng, mask?: Float32Array): void {
  const bound = uniformBound(init.scheme, fanIn, fanOut);
  for (let i = start; i < start + count; i++) {
    // Draw even for masked weights so the stream (and every later tensor) does not depend on the mask.
    const value = init.scheme === 'constant' ? init.value : rng.uniform(-bound, bound);
    weights[i] = mask && mask[i] === 0 ? 0 : value;
  }
}
