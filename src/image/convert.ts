// Turns a decoded photo or drawing into an image like the ones a model was trained on:
// greyscale (ITU-R 601 luma) for grey datasets or RGB for colour ones; inverted when the
// dataset is light-on-dark (MNIST, Fashion-MNIST) and the image is dark-on-light, told by
// the mean of its border pixels; framed as the dataset frames its images; resized with area
// filtering (bilinear when enlarging). The result is bytes (C, H, W), as a dataset stores
// images, so the trainer's own batcher normalises it exactly as in training.
import type { RgbImage } from './decode';
import { resizePlanes, type Planes } from './resize';

/**
 * How a dataset frames its images:
 *   digit: the ink's bounding box scaled to fit 20/28 of the image, centred by its centre of
 *          mass, contrast stretched (how MNIST was made from NIST's scans)
 *   pad:   the whole image padded to a square with the background colour, then resized
 *   crop:  the centre square of the image, resized (photos)
 */
export type Framing = 'digit' | 'pad' | 'crop';

export interface ImageConvention {
  /** The dataset's image shape [C, H, W]. */
  shape: [number, number, number];
  /** True when the dataset draws light objects on a dark background. */
  lightOnDark: boolean;
  framing: Framing;
}

export interface PreparedImage {
  /** (C, H, W) bytes. */
  bytes: Uint8Array;
  shape: [number, number, number];
  inverted: boolean;
  /** What was done, in order, for the user. */
  steps: string[];
}

/** Fraction of the image side that MNIST's digits fit in (20 of 28 pixels). */
const DIGIT_BOX = 20 / 28;
/** Ink is anything brighter than this fraction of the brightest pixel. */
const INK_THRESHOLD = 0.2;

export function prepareImage(image: RgbImage, convention: ImageConvention): PreparedImage {
  const [channels, height, width] = convention.shape;
  const steps: string[] = [`${image.width}x${image.height} ${channels === 1 ? 'converted to grey' : 'RGB'}`];
  let planes = toPlanes(image, channels);
  const border = borderMean(planes);
  const inverted = convention.lightOnDark && border > 127.5;
  if (inverted) {
    invert(planes);
    steps.push(`inverted (dark on light, border mean ${border.toFixed(0)})`);
  }
  if (convention.lightOnDark && levelBackground(planes)) steps.push('background levelled to black, brightest to white');
  if (convention.framing === 'digit' && hasInk(planes)) {
    planes = frameDigit(planes, height, width);
    steps.push(
      `ink fitted to ${Math.round(DIGIT_BOX * height)}x${Math.round(DIGIT_BOX * width)}, centred by mass in ${height}x${width}`,
    );
  } else if (convention.framing === 'crop') {
    planes = resizePlanes(centreSquare(planes), height, width);
    steps.push(`centre square resized to ${height}x${width}`);
  } else {
    const background = convention.lightOnDark ? 0 : borderMean(planes);
    planes = resizePlanes(padToSquare(planes, background), height, width);
    steps.push(`padded to a square, resized to ${height}x${width}`);
  }
  return { bytes: toBytes(planes), shape: [channels, height, width], inverted, steps };
}

/** Grey (luma) or RGB planes, values 0..255. */
export function toPlanes(image: RgbImage, channels: number): Planes {
  const pixels = image.width * image.height;
  const data = new Float32Array(channels * pixels);
  for (let p = 0; p < pixels; p++) {
    const r = image.rgb[p * 3],
      g = image.rgb[p * 3 + 1],
      b = image.rgb[p * 3 + 2];
    if (channels === 1) {
      data[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    } else {
      // More than 3 channels: the RGB channels repeat (a 3-channel image is the usual case).
      for (let c = 0; c < channels; c++) data[c * pixels + p] = [r, g, b][c % 3];
    }
  }
  return { channels, height: image.height, width: image.width, data };
}

/** Mean over all channels of the outermost rows and columns. */
export function borderMean(planes: Planes): number {
  const { channels, height, width, data } = planes;
  let sum = 0;
  let count = 0;
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const edgeRow = y === 0 || y === height - 1;
      for (let x = 0; x < width; x += edgeRow || width === 1 ? 1 : width - 1) {
        sum += data[(c * height + y) * width + x];
        count++;
      }
    }
  }
  return sum / count;
}

function invert(planes: Planes): void {
  const { data } = planes;
  for (let i = 0; i < data.length; i++) data[i] = 255 - data[i];
}

function maxOf(data: Float32Array): number {
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
  return max;
}

/**
 * Light-on-dark datasets have black backgrounds and full-contrast objects: the border's level
 * becomes 0 (grey paper, a tinted background) and the brightest pixel 255. False when the
 * image is blank (nothing brighter than the background).
 */
function levelBackground(planes: Planes): boolean {
  const background = borderMean(planes);
  const range = maxOf(planes.data) - background;
  if (range < 16) return false;
  const { data } = planes;
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, data[i] - background) * (255 / range);
  return true;
}

/** Anything to frame: some pixel clearly brighter than black. */
function hasInk(planes: Planes): boolean {
  return maxOf(planes.data) >= 32;
}

/** MNIST's framing of a grey, light-on-dark image: bounding box to 20/28 of the side, centre of mass in the middle. */
function frameDigit(planes: Planes, height: number, width: number): Planes {
  const threshold = INK_THRESHOLD * maxOf(planes.data);
  let top = planes.height,
    bottom = -1,
    left = planes.width,
    right = -1;
  for (let y = 0; y < planes.height; y++) {
    for (let x = 0; x < planes.width; x++) {
      if (planes.data[y * planes.width + x] <= threshold) continue;
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
  }
  const ink = padToSquare(crop(planes, top, left, bottom - top + 1, right - left + 1), 0);
  const boxH = Math.max(1, Math.round(DIGIT_BOX * height));
  const boxW = Math.max(1, Math.round(DIGIT_BOX * width));
  const box = resizePlanes(ink, boxH, boxW);
  stretchContrast(box);
  // Centre of mass (of pixel centres) placed at the image centre, kept inside the image.
  let mass = 0,
    sumY = 0,
    sumX = 0;
  for (let y = 0; y < boxH; y++) {
    for (let x = 0; x < boxW; x++) {
      const v = box.data[y * boxW + x];
      mass += v;
      sumY += v * (y + 0.5);
      sumX += v * (x + 0.5);
    }
  }
  const offsetY = clamp(Math.round(height / 2 - sumY / mass), 0, height - boxH);
  const offsetX = clamp(Math.round(width / 2 - sumX / mass), 0, width - boxW);
  const out = new Float32Array(height * width);
  for (let y = 0; y < boxH; y++) out.set(box.data.subarray(y * boxW, (y + 1) * boxW), (y + offsetY) * width + offsetX);
  return { channels: 1, height, width, data: out };
}

/** Scales the values so the brightest is 255: strokes thinned by shrinking get their full contrast back. */
function stretchContrast(planes: Planes): void {
  const max = maxOf(planes.data);
  if (max <= 0) return;
  for (let i = 0; i < planes.data.length; i++) planes.data[i] *= 255 / max;
}

function crop(planes: Planes, top: number, left: number, height: number, width: number): Planes {
  const data = new Float32Array(planes.channels * height * width);
  for (let c = 0; c < planes.channels; c++) {
    for (let y = 0; y < height; y++) {
      const from = (c * planes.height + top + y) * planes.width + left;
      data.set(planes.data.subarray(from, from + width), (c * height + y) * width);
    }
  }
  return { channels: planes.channels, height, width, data };
}

function centreSquare(planes: Planes): Planes {
  const side = Math.min(planes.height, planes.width);
  return crop(planes, Math.floor((planes.height - side) / 2), Math.floor((planes.width - side) / 2), side, side);
}

/** The planes centred on a square of `background`. */
function padToSquare(planes: Planes, background: number): Planes {
  const side = Math.max(planes.height, planes.width);
  if (planes.height === side && planes.width === side) return planes;
  const top = Math.floor((side - planes.height) / 2);
  const left = Math.floor((side - planes.width) / 2);
  const data = new Float32Array(planes.channels * side * side).fill(background);
  for (let c = 0; c < planes.channels; c++) {
    for (let y = 0; y < planes.height; y++) {
      const from = (c * planes.height + y) * planes.width;
      data.set(planes.data.subarray(from, from + planes.width), (c * side + top + y) * side + left);
    }
  }
  return { channels: planes.channels, height: side, width: side, data };
}

function toBytes(planes: Planes): Uint8Array {
  const bytes = new Uint8Array(planes.data.length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = clamp(Math.round(planes.data[i]), 0, 255);
  return bytes;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
