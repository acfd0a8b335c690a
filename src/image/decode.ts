// Reads a PNG or JPEG file into RGB pixels, with pngjs and jpeg-js (both pure JavaScript).
// The format is told by the file's first bytes, not its name. Transparency is composited
// over white, so a drawing with a transparent background reads as ink on paper. Errors
// name the file and say what is wrong with it.
import * as fs from 'fs';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';

/** An image as 8-bit RGB, row-major: rgb[(y * width + x) * 3 + channel]. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
/** Larger images are refused rather than decoded into gigabytes. */
const MAX_MEGAPIXELS = 100;

export class ImageError extends Error {}

const startsWith = (bytes: Uint8Array, signature: number[]) => signature.every((b, i) => bytes[i] === b);

export function readImage(file: string): RgbImage {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new ImageError(`cannot read image ${file}: ${why}`);
  }
  return decodeImage(bytes, file);
}

/** Decodes PNG or JPEG bytes; `file` names them in errors. */
export function decodeImage(bytes: Uint8Array, file: string): RgbImage {
  if (startsWith(bytes, PNG_SIGNATURE)) return decodeWith(file, 'PNG', () => decodePng(bytes));
  if (startsWith(bytes, JPEG_SIGNATURE)) return decodeWith(file, 'JPEG', () => decodeJpeg(bytes));
  throw new ImageError(`${file} is not a PNG or JPEG image (cnn predict reads .png and .jpg/.jpeg files)`);
}

function decodeWith(file: string, format: string, decode: () => RgbImage): RgbImage {
  let image: RgbImage;
  try {
    image = decode();
  } catch (e) {
    throw new ImageError(`${file}: cannot decode it as a ${format} image: ${(e as Error).message}`);
  }
  if (image.width < 1 || image.height < 1) throw new ImageError(`${file}: the ${format} image has no pixels`);
  return image;
}

function decodePng(bytes: Uint8Array): RgbImage {
  // pngjs expands every colour type and bit depth to 8-bit RGBA.
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (png.width * png.height > MAX_MEGAPIXELS * 1e6) throw new Error(`${png.width}x${png.height} is larger than ${MAX_MEGAPIXELS} megapixels`);
  return { width: png.width, height: png.height, rgb: overWhite(png.data, png.width * png.height) };
}

function decodeJpeg(bytes: Uint8Array): RgbImage {
  const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: 2048 });
  return { width: image.width, height: image.height, rgb: overWhite(image.data, image.width * image.height) };
}

/** RGBA to RGB, composited over a white background. */
export function overWhite(rgba: Uint8Array, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const alpha = rgba[p * 4 + 3];
    for (let c = 0; c < 3; c++) {
      const v = rgba[p * 4 + c];
      rgb[p * 3 + c] = alpha === 255 ? v : Math.round((v * alpha + 255 * (255 - alpha)) / 255);
    }
  }
  return rgb;
}
