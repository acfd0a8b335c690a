// How the weight schemes of a model draw one unit's weights from its fan-in (and fan-out).
// Layer kinds decide which weights belong to one unit; this file only knows the formulas.
import type { InitScheme } from '../model/types';
import type { Rng } from '../train/rng';

/** A model's scheme, or nn.Linear's default, which 'he-normal-fan-out' keeps for dense layers. */
export type WeightScheme = InitScheme['kind'] | 'linear-default';

export interface InitSettings {
  scheme: WeightScheme;
  /** The value of every weight under 'constant'. */
  value: number;
}

/** Half-width of the uniform range a scheme draws from (0 for the normal and constant schemes). */
export function uniformBound(scheme: WeightScheme, fanIn: number, fanOut: number): number {
  switch (scheme) {
    case 'he-uniform':
      return Math.sqrt(6 / fanIn);
    case 'lecun-1998':
      return 2.4 / fanIn;
    case 'xavier-uniform':
      return Math.sqrt(6 / (fanIn + fanOut));
    case 'linear-default':
      return 1 / Math.sqrt(fanIn);
    case 'he-normal-fan-out':
      return 0;
    case 'constant':
      return 0;
  }
}

/**
 * The settings a dense layer draws with: torchvision's ResNets initialise only convolutions
 * with kaiming_normal(fan_out) and leave the classifier at nn.Linear's U(-1/sqrt(fanIn), 1/sqrt(fanIn));
 * N(0, 2/fanOut) with fanOut = 10 classes would start the logits far too large.
 */
export function denseSettings(settings: InitSettings): InitSettings {
  return settings.scheme === 'he-normal-fan-out' ? { ...settings, scheme: 'linear-default' } : settings;
}

/** Fills weights[start, start + count) per the scheme; a 0 in mask (same indexing as weights) pins that weight at 0. */
export function drawWeights(
  weights: Float32Array,
  start: number,
  count: number,
  fanIn: number,
  fanOut: number,
  init: InitSettings,
  rng: Rng,
  mask?: Float32Array,
): void {
  const bound = uniformBound(init.scheme, fanIn, fanOut);
  const std = Math.sqrt(2 / fanOut);
  for (let i = start; i < start + count; i++) {
    // Draw even for masked weights so the stream (and every later tensor) does not depend on the mask.
    const value =
      init.scheme === 'constant'
        ? init.value
        : init.scheme === 'he-normal-fan-out'
          ? std * rng.normal()
          : rng.uniform(-bound, bound);
    weights[i] = mask && mask[i] === 0 ? 0 : value;
  }
}
