// How each built-in dataset's images look, so an image file can be made to look the same:
// MNIST's digits are light ink on black, fitted to 20x20 and centred by mass in 28x28;
// Fashion-MNIST's items are light on black and fill their 28x28 frame; CIFAR-10's photos
// are 32x32 colour. A model trained on anything else gets its own input shape, padded.
import type { Shape } from '../model/types';
import type { ImageConvention } from './convert';

const CONVENTIONS: Record<string, ImageConvention> = {
  mnist: { shape: [1, 28, 28], lightOnDark: true, framing: 'digit' },
  'fashion-mnist': { shape: [1, 28, 28], lightOnDark: true, framing: 'pad' },
  cifar10: { shape: [3, 32, 32], lightOnDark: false, framing: 'crop' },
};

/** The convention of `dataset`, or for an unknown one the model's input with padding. */
export function imageConvention(dataset: string, modelInput: Shape): ImageConvention {
  return CONVENTIONS[dataset] ?? { shape: [...modelInput], lightOnDark: false, framing: 'pad' };
}
