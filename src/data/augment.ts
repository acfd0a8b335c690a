// Training-time augmentation settings (`--augment shift=2,rotate=10,scale=0.1,flip,crop=4`,
// or for photos `--augment resized-crop=0.08,flip`)
// and the random transform each image gets. The randomness is counter-based: an image's
// transform is a hash of (run seed, epoch, the image's index in the training set), never the
// next draw of a sequential generator. So the same seed gives the same batches bit for bit,
// a resumed run continues with exactly the transforms an uninterrupted one would have used,
// and neither the thread count nor the batch size nor the order of filling changes them.
// Applying a transform to pixels is image-warp.ts; the Batcher calls both.

import { hashKey, uniformAt } from './counter-hash';

export interface AugmentSettings {
  /** Random integer translation of up to this many pixels each way, per axis (0: none). */
  shift: number;
  /** Random rotation of up to this many degrees each way, bilinear (0: none). */
  rotate: number;
  /** Random scaling by a factor in [1 - scale, 1 + scale], bilinear (0: none). */
  scale: number;
  /** Mirror left-right with probability 1/2. */
  flip: boolean;
  /** Pad by this many pixels, then crop back to size at a random offset (the CIFAR recipe; 0: none). */
  crop: number;
  /**
   * Random resized crop (torchvision's RandomResizedCrop): a region of this fraction to all
   * of the image's area, aspect ratio 3/4 to 4/3, at a random place, stretched to the full
   * input (0: none).
   */
  resizedCrop: number;
}

/** What one image gets: rotation and scaling about the centre, an integer translation, then the mirror. */
export interface ImageTransform {
  flip: boolean;
  /** Translation in pixels, right and down. */
  dx: number;
  dy: number;
  /** Rotation in radians, clockwise as displayed (rows run downwards). */
  angle: number;
  /** Zoom factor: > 1 enlarges the content. */
  scale: number;
  /** Aspect change: the horizontal zoom is scale * stretch, the vertical scale / stretch. */
  stretch: number;
}

/** Which epoch and run the randomness belongs to; passed to Batcher.fill for training batches. */
export interface AugmentPass {
  settings: AugmentSettings;
  seed: number;
  /** 0-based epoch: each epoch sees different transforms of the same image. */
  epoch: number;
}

export const NO_AUGMENT: Readonly<AugmentSettings> = Object.freeze({
  shift: 0,
  rotate: 0,
  scale: 0,
  flip: false,
  crop: 0,
  resizedCrop: 0,
});

const OPTION = '--augment';
const KEYS =
  'shift=PIXELS, rotate=DEGREES, scale=FRACTION, flip, crop=PIXELS, resized-crop=MIN_AREA (comma-separated), or none';
const MAX_PIXELS = 64;

/** Parses `shift=2,rotate=10,scale=0.1,flip,crop=4` (any order, each key at most once) or `none`. */
export function parseAugment(text: string): AugmentSettings {
  const settings: AugmentSettings = { ...NO_AUGMENT };
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'none') return settings;
  const seen = new Set<string>();
  for (const item of trimmed.split(',')) {
    const part = item.trim();
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? null : part.slice(eq + 1).trim();
    if (key === '') throw new Error(`${OPTION} "${text}": empty item; expected ${KEYS}`);
    if (seen.has(key)) throw new Error(`${OPTION} "${text}": key "${key}" is given twice`);
    seen.add(key);
    switch (key) {
      case 'shift':
        settings.shift = parseWhole(text, key, value, MAX_PIXELS);
        break;
      case 'crop':
        settings.crop = parseWhole(text, key, value, MAX_PIXELS);
        break;
      case 'rotate':
        settings.rotate = parseFraction(text, key, value, 0, 180, true, 'a number of degrees in 0..180');
        break;
      case 'scale':
        settings.scale = parseFraction(
          text,
          key,
          value,
          0,
          1,
          false,
          'a fraction in 0..1 (exclusive), e.g. 0.1 for 0.9x..1.1x',
        );
        break;
      case 'resized-crop':
        settings.resizedCrop = parseFraction(
          text,
          key,
          value,
          0,
          1,
          false,
          'the smallest area fraction kept, in 0..1 (exclusive), e.g. 0.08 as torchvision',
        );
        if (settings.resizedCrop === 0)
          throw new Error(`${OPTION} "${text}": resized-crop needs an area fraction above 0, e.g. 0.08`);
        break;
      case 'flip':
        if (value !== null) throw new Error(`${OPTION} "${text}": flip takes no value (write just "flip")`);
        settings.flip = true;
        break;
      case 'none':
        throw new Error(`${OPTION} "${text}": "none" cannot be combined with other keys`);
      default:
        throw new Error(`${OPTION} "${text}": unknown key "${key}"; known: ${KEYS}`);
    }
  }
  if (settings.resizedCrop > 0 && settings.scale > 0)
    throw new Error(`${OPTION} "${text}": resized-crop already zooms; drop scale`);
  return settings;
}

function parseWhole(text: string, key: string, value: string | null, max: number): number {
  const n = value === null || !/^\d+$/.test(value) ? NaN : Number(value);
  if (!(n <= max))
    throw new Error(
      `${OPTION} "${text}": ${key} needs a whole number of pixels in 0..${max} (${key}=N), got ${value === null ? 'no value' : `"${value}"`}`,
    );
  return n;
}

function parseFraction(
  text: string,
  key: string,
  value: string | null,
  min: number,
  max: number,
  maxAllowed: boolean,
  what: string,
): number {
  const n = value === null || value === '' ? NaN : Number(value);
  if (!(n >= min && (maxAllowed ? n <= max : n < max))) {
    throw new Error(`${OPTION} "${text}": ${key} needs ${what}, got ${value === null ? 'no value' : `"${value}"`}`);
  }
  return n;
}

/** The canonical text of settings (`none`, or the keys in a fixed order); parseAugment reads it back. */
export function formatAugment(s: AugmentSettings): string {
  const parts: string[] = [];
  if (s.shift > 0) parts.push(`shift=${s.shift}`);
  if (s.rotate > 0) parts.push(`rotate=${s.rotate}`);
  if (s.scale > 0) parts.push(`scale=${s.scale}`);
  if (s.flip) parts.push('flip');
  if (s.crop > 0) parts.push(`crop=${s.crop}`);
  if (s.resizedCrop > 0) parts.push(`resized-crop=${s.resizedCrop}`);
  return parts.length > 0 ? parts.join(',') : 'none';
}

/** True when the settings leave every image as it is. */
export function isNoAugment(s: AugmentSettings): boolean {
  return s.shift === 0 && s.rotate === 0 && s.scale === 0 && !s.flip && s.crop === 0 && s.resizedCrop === 0;
}

/** Keeps augmentation's randomness apart from other uses of the same seed. */
const AUGMENT_STREAM = 0xa06;

/** The random key of one image in one epoch of one run: everything its transform depends on. */
export function imageKey(seed: number, epoch: number, imageIndex: number): number {
  return hashKey(seed, AUGMENT_STREAM, epoch, imageIndex);
}

// Each parameter has its own fixed draw number, so enabling one option never changes the
// values another option draws.
const DRAW_FLIP = 0,
  DRAW_SHIFT_X = 1,
  DRAW_SHIFT_Y = 2,
  DRAW_CROP_X = 3,
  DRAW_CROP_Y = 4,
  DRAW_ANGLE = 5,
  DRAW_SCALE = 6;
const DRAW_AREA = 7,
  DRAW_RATIO = 8,
  DRAW_CENTRE_X = 9,
  DRAW_CENTRE_Y = 10;
const LOG_RATIO = Math.log(4 / 3);

/** Fills `out` with the transform of the image whose key is `key` (see imageKey), and returns it. */
export function drawTransform(s: AugmentSettings, key: number, out: ImageTransform, size?: ImageSize): ImageTransform {
  out.flip = s.flip && uniformAt(key, DRAW_FLIP) < 0.5;
  // Padding by p and cropping at offset o in 0..2p moves the content by p - o: a shift.
  out.dx = uniformInt(key, DRAW_SHIFT_X, s.shift) + uniformInt(key, DRAW_CROP_X, s.crop);
  out.dy = uniformInt(key, DRAW_SHIFT_Y, s.shift) + uniformInt(key, DRAW_CROP_Y, s.crop);
  out.angle = s.rotate > 0 ? (2 * uniformAt(key, DRAW_ANGLE) - 1) * s.rotate * (Math.PI / 180) : 0;
  out.scale = s.scale > 0 ? 1 + (2 * uniformAt(key, DRAW_SCALE) - 1) * s.scale : 1;
  out.stretch = 1;
  if (s.resizedCrop > 0) drawResizedCrop(s.resizedCrop, key, out, size);
  return out;
}

/**
 * The crop as a zoom about the centre plus a translation: a region of area fraction a and
 * aspect r (width w = sqrt(a r), height h = sqrt(a / r) of the image's, each at most 1),
 * centred at a uniform place that keeps it inside the image, fills the input.
 */
function drawResizedCrop(minArea: number, key: number, out: ImageTransform, size: ImageSize | undefined): void {
  const area = minArea + (1 - minArea) * uniformAt(key, DRAW_AREA);
  const ratio = Math.exp((2 * uniformAt(key, DRAW_RATIO) - 1) * LOG_RATIO);
  const w = Math.min(1, Math.sqrt(area * ratio));
  const h = Math.min(1, Math.sqrt(area / ratio));
  const scaleX = 1 / w;
  const scaleY = 1 / h;
  out.scale = Math.sqrt(scaleX * scaleY);
  out.stretch = Math.sqrt(scaleX / scaleY);
  // The crop's centre, in image pixels from the image's centre; the output moves the other way, zoomed.
  const width = size?.width ?? 0;
  const height = size?.height ?? 0;
  const offsetX = (uniformAt(key, DRAW_CENTRE_X) - 0.5) * (1 - w) * width;
  const offsetY = (uniformAt(key, DRAW_CENTRE_Y) - 0.5) * (1 - h) * height;
  out.dx += -offsetX * scaleX;
  out.dy += -offsetY * scaleY;
}

/** The image's size, which places a resized crop. */
export interface ImageSize {
  width: number;
  height: number;
}

/** Uniform integer in -k..k. */
function uniformInt(key: number, draw: number, k: number): number {
  return k > 0 ? Math.floor(uniformAt(key, draw) * (2 * k + 1)) - k : 0;
}

export function identityTransform(): ImageTransform {
  return { flip: false, dx: 0, dy: 0, angle: 0, scale: 1, stretch: 1 };
}
