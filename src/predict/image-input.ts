// What a caller may hand to a prediction: an image file's path, an encoded image's bytes
// (a Buffer or Uint8Array holding a PNG or JPEG), or raw pixels. Each becomes 8-bit RGB here,
// behind one async function, so the decoder behind it can change without touching callers.
import { decodeImage, ImageError, overWhite, readImage, type RgbImage } from '../image/decode';

/** Interleaved 8-bit pixels, row-major: 1 grey, 2 grey+alpha, 3 RGB or 4 RGBA channels. */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** A file path, encoded PNG/JPEG bytes, or raw pixels. */
export type ImageInput = string | Uint8Array | RawImage;

/** Raw images larger than this are refused, as decoded files are. */
const MAX_RAW_PIXELS = 100e6;

/** How an input is named in messages: its path, or its position and kind. */
export function describeInput(input: ImageInput, index: number): string {
  if (typeof input === 'string') return input;
  return `image ${index + 1} (${input instanceof Uint8Array ? 'encoded bytes' : 'raw pixels'})`;
}

/** Decodes or converts one input to RGB; throws ImageError naming the input. */
export async function loadImageInput(input: ImageInput, index: number): Promise<RgbImage> {
  if (typeof input === 'string') return readImage(input);
  if (input instanceof Uint8Array) return decodeImage(input, describeInput(input, index));
  return rawToRgb(input, describeInput(input, index));
}

export function isRawImage(input: unknown): input is RawImage {
  return typeof input === 'object' && input !== null && !(input instanceof Uint8Array) && 'data' in input;
}

/** Checks a raw image's fields; the message names the field at fault. */
export function checkRawImage(raw: RawImage, name: string): void {
  const { data, width, height, channels } = raw;
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new ImageError(`${name}: data must be a Buffer, Uint8Array or Uint8ClampedArray of 8-bit pixels`);
  }
  for (const [field, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new ImageError(`${name}: ${field} must be a positive integer, got ${String(value)}`);
  }
  if (![1, 2, 3, 4].includes(channels))
    throw new ImageError(`${name}: channels must be 1, 2, 3 or 4, got ${String(channels)}`);
  if (width * height > MAX_RAW_PIXELS)
    throw new ImageError(`${name}: ${width}x${height} is larger than ${MAX_RAW_PIXELS / 1e6} megapixels`);
  if (data.length !== width * height * channels) {
    throw new ImageError(
      `${name}: data holds ${data.length} bytes but ${width}x${height}x${channels} needs ${width * height * channels}`,
    );
  }
}

function rawToRgb(raw: RawImage, name: string): RgbImage {
  checkRawImage(raw, name);
  const { data, width, height, channels } = raw;
  const pixels = width * height;
  if (channels === 3) return { width, height, rgb: Uint8Array.from(data) };
  // Grey channels are spread to RGB; an alpha channel is composited over white, as files are.
  const rgba = new Uint8Array(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const grey = channels <= 2;
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = data[p * channels + (grey ? 0 : c)];
    rgba[p * 4 + 3] = channels === 2 || channels === 4 ? data[p * channels + channels - 1] : 255;
  }
  return { width, height, rgb: overWhite(rgba, pixels) };
}
