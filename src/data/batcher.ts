// Turns stored image bytes into a normalised float minibatch of the shape a model expects.
// A 256-entry lookup table per channel maps a byte straight to (pixel/255 - mean)/std, so
// filling a batch is one table load per pixel and nothing is allocated per batch. Two
// adaptations are allowed and reported: smaller images are centred and padded with the value
// a 0 pixel normalises to (so the border looks like background, as LeNet-5's 28->32 padding
// did), and grey images are replicated to every channel. Cropping is never done silently.
// Training batches can be augmented as they are filled (augment.ts draws each image's
// transform from the seed, epoch and image index; image-warp.ts applies it).

import type { Shape } from '../model/types';
import type { Rng } from '../train/rng';
import type { ImageSet } from './dataset';
import { drawTransform, identityTransform, imageKey, isNoAugment, type AugmentPass } from './augment';
import { copyRun, warpPlane, type ChannelNormalisation, type PlaneGeometry } from './image-warp';

export class Batcher {
  /** What was done to fit the images to the target, e.g. "28x28 images zero-padded to 32x32"; null when nothing. */
  readonly adaptation: string | null;

  private readonly set: ImageSet;
  private readonly target: Shape;
  /** lookup[c][byte] = normalised value of that byte in target channel c. */
  private readonly lookup: Float32Array[];
  /** The normalised value of a 0 pixel, per target channel: the padding. */
  private readonly background: number[];
  private readonly padTop: number;
  private readonly padLeft: number;
  private readonly padded: boolean;
  /** Per target channel, the lookup table with its linear form, for augmented copies. */
  private readonly normalisation: ChannelNormalisation[];
  private readonly geometry: PlaneGeometry;
  /** The current image's transform, reused: nothing is allocated per image. */
  private readonly transform = identityTransform();
  /** For a stored set (images on disk): where the image being copied is read to. */
  private readonly scratch: Uint8Array;
  /** The images' size, which places a random resized crop. */
  private readonly size: { width: number; height: number };

  constructor(set: ImageSet, target: Shape, mean: number[], std: number[]) {
    const [channels, height, width] = set.shape;
    const [targetChannels, targetHeight, targetWidth] = target;
    checkFits(set.shape, target);
    if (mean.length < channels || std.length < channels) {
      throw new RangeError(
        `Batcher: need a mean and std for each of the ${channels} image channels, got ${mean.length} and ${std.length}`,
      );
    }
    this.set = set;
    this.target = target;
    this.lookup = [];
    this.background = [];
    this.normalisation = [];
    for (let c = 0; c < targetChannels; c++) {
      const source = channels === targetChannels ? c : 0;
      const table = normalisationTable(mean[source], std[source]);
      this.lookup.push(table);
      this.background.push(table[0]);
      const divisor = std[source] > 0 ? std[source] : 1;
      this.normalisation.push({ table, scale: 1 / (255 * divisor), offset: -mean[source] / divisor });
    }
    this.padTop = Math.floor((targetHeight - height) / 2);
    this.padLeft = Math.floor((targetWidth - width) / 2);
    this.geometry = { height, width, targetHeight, targetWidth, padTop: this.padTop, padLeft: this.padLeft };
    this.padded = targetHeight !== height || targetWidth !== width;
    this.adaptation = describeAdaptation(set.shape, target);
    this.scratch = new Uint8Array(set.stored ? channels * height * width : 0);
    this.size = { width, height };
  }

  /** The bytes holding image `index`, starting at `start` (the whole set in memory, or the image read from disk). */
  private pixels(index: number): { bytes: Uint8Array; start: number } {
    if (!this.set.stored)
      return { bytes: this.set.images, start: index * this.set.shape[0] * this.set.shape[1] * this.set.shape[2] };
    this.set.stored.read(index, this.scratch, 0);
    return { bytes: this.scratch, start: 0 };
  }

  /**
   * Copies images order[start .. start+count) into x (count, C, H, W), normalised, and
   * their labels into y (count). With `augment` (training only), each image is transformed
   * as drawn for (augment.seed, augment.epoch, its index in the set): independent of the
   * order, the batch size and of what was filled before.
   */
  fill(
    order: ArrayLike<number>,
    start: number,
    count: number,
    x: Float32Array,
    y: Int32Array,
    augment?: AugmentPass,
  ): void {
    const [targetChannels, targetHeight, targetWidth] = this.target;
    const targetPlane = targetHeight * targetWidth;
    const targetImage = targetChannels * targetPlane;
    if (start < 0 || count < 0 || start + count > order.length) {
      throw new RangeError(
        `Batcher.fill: images ${start}..${start + count} are outside the order of length ${order.length}`,
      );
    }
    if (x.length < count * targetImage)
      throw new RangeError(`Batcher.fill: x holds ${x.length} values, ${count} images need ${count * targetImage}`);
    if (y.length < count) throw new RangeError(`Batcher.fill: y holds ${y.length} labels, need ${count}`);
    const augmenting = augment !== undefined && !isNoAugment(augment.settings);
    for (let i = 0; i < count; i++) {
      const index = order[start + i];
      if (!(index >= 0 && index < this.set.count) || index !== Math.floor(index)) {
        throw new RangeError(
          `Batcher.fill: image index ${index} at position ${start + i} is not in 0..${this.set.count - 1}`,
        );
      }
      if (augmenting) this.copyAugmentedImage(index, augment as AugmentPass, x, i * targetImage);
      else this.copyImage(index, x, i * targetImage);
      y[i] = this.set.labels[index];
    }
  }

  private copyImage(index: number, x: Float32Array, offset: number): void {
    const [channels, height, width] = this.set.shape;
    const [targetChannels, targetHeight, targetWidth] = this.target;
    const plane = height * width;
    const targetPlane = targetHeight * targetWidth;
    const { bytes: images, start } = this.pixels(index);
    for (let c = 0; c < targetChannels; c++) {
      const table = this.lookup[c];
      const source = start + (channels === targetChannels ? c : 0) * plane;
      const destination = offset + c * targetPlane;
      if (this.padded) x.fill(this.background[c], destination, destination + targetPlane);
      for (let row = 0; row < height; row++) {
        const from = source + row * width;
        const to = destination + (row + this.padTop) * targetWidth + this.padLeft;
        copyRun(images, from, x, to, width, table);
      }
    }
  }

  private copyAugmentedImage(index: number, augment: AugmentPass, x: Float32Array, offset: number): void {
    const [channels, height, width] = this.set.shape;
    const targetChannels = this.target[0];
    const targetPlane = this.target[1] * this.target[2];
    const plane = height * width;
    const t = drawTransform(augment.settings, imageKey(augment.seed, augment.epoch, index), this.transform, this.size);
    const { bytes: images, start } = this.pixels(index);
    if (channels !== targetChannels) {
      // Grey replicated: every target channel normalises with the grey statistics, so warp once and copy.
      warpPlane(images, start, this.geometry, this.normalisation[0], t, x, offset);
      for (let c = 1; c < targetChannels; c++) x.copyWithin(offset + c * targetPlane, offset, offset + targetPlane);
      return;
    }
    for (let c = 0; c < targetChannels; c++) {
      warpPlane(images, start + c * plane, this.geometry, this.normalisation[c], t, x, offset + c * targetPlane);
    }
  }
}

/** byte -> (byte/255 - mean)/std; a zero std (a constant channel) divides by 1 instead. */
function normalisationTable(mean: number, std: number): Float32Array {
  const divisor = std > 0 ? std : 1;
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = (v / 255 - mean) / divisor;
  return table;
}

function checkFits(image: Shape, target: Shape): void {
  const [channels, height, width] = image;
  const [targetChannels, targetHeight, targetWidth] = target;
  if (targetHeight < height || targetWidth < width) {
    throw new RangeError(
      `the model's input ${formatShape(target)} is smaller than the dataset's images ${formatShape(image)}; cnn pads images but does not crop them: choose a model whose input is at least ${height}x${width}`,
    );
  }
  if (channels !== targetChannels && channels !== 1) {
    throw new RangeError(
      `the model's input ${formatShape(target)} has ${targetChannels} channels but the dataset's images ${formatShape(image)} have ${channels}; only grey images can be replicated to more channels`,
    );
  }
}

function describeAdaptation(image: Shape, target: Shape): string | null {
  const [channels, height, width] = image;
  const [targetChannels, targetHeight, targetWidth] = target;
  const parts: string[] = [];
  if (targetHeight !== height || targetWidth !== width) {
    parts.push(`${height}x${width} images zero-padded to ${targetHeight}x${targetWidth}`);
  }
  if (channels !== targetChannels) parts.push(`grey replicated to ${targetChannels} channels`);
  return parts.length > 0 ? parts.join('; ') : null;
}

function formatShape(shape: Shape): string {
  return `${shape[0]}x${shape[1]}x${shape[2]}`;
}

/** A shuffled permutation of 0..count-1, reproducible for a given generator state. */
export function epochOrder(count: number, rng: Rng): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return rng.shuffle(order);
}
