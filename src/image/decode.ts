// Decodes image files with sharp (libvips): PNG, JPEG, WebP, GIF and TIFF in any mode
// (grey, RGB, RGBA, palette, 16-bit, CMYK), turned upright by their EXIF orientation and
// converted to 8-bit sRGB. The header is read first and its declared size checked against
// limits.ts before any pixel is decoded. Transparency is composited over white, so a
// drawing with a transparent background reads as ink on paper. Errors name the file.
import sharp from 'sharp';
import { formatOf, FORMATS_TEXT, ImageError, readImageFile, type ImageFormat } from './image-file';
import { imageSizeProblem, MAX_IMAGE_PIXELS } from './limits';

export { ImageError } from './image-file';

/** An image as 8-bit RGB, row-major: rgb[(y * width + x) * 3 + channel]. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** What an image's header says, its size as displayed (after the EXIF rotation). */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** libvips' name of the colour space: b-w, srgb, cmyk, rgb16, grey16 ... */
  space: string;
  channels: number;
}

/** Reads and checks the header of `bytes` (from readImageFile); nothing is decoded. */
export async function readImageHeader(bytes: Buffer, format: ImageFormat, file: string): Promise<ImageHeader> {
  let meta: sharp.Metadata;
  try {
    // No pixel limit here: the header is only read, and the limit is checked below with a clearer message.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new ImageError(`${file}: cannot decode it as a ${format} image: ${(e as Error).message}`);
  }
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  const problem = imageSizeProblem(width, height);
  if (problem) throw new ImageError(`${file}: ${problem}`);
  return { format, width, height, space: meta.space ?? 'unknown', channels: meta.channels ?? 0 };
}

/** The upright 8-bit pipeline every decode starts from, with the pixel limit enforced by libvips too. */
function pipeline(bytes: Buffer): sharp.Sharp {
  return sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' })
    .rotate()
    .flatten({ background: '#ffffff' });
}

async function decodeRaw(
  file: string,
  format: ImageFormat,
  run: () => Promise<{ data: Buffer; info: sharp.OutputInfo }>,
) {
  try {
    return await run();
  } catch (e) {
    throw new ImageError(`${file}: cannot decode it as a ${format} image: ${(e as Error).message}`);
  }
}

/** Reads and decodes `file` into 8-bit RGB at its own size. */
export async function readImage(file: string): Promise<RgbImage> {
  const { bytes, format } = readImageFile(file);
  return decodeFormat(bytes, format, file);
}

/** Decodes encoded image bytes (any format cnn reads, told by the first bytes); `file` names them in errors. */
export async function decodeImage(encoded: Uint8Array, file: string): Promise<RgbImage> {
  const format = formatOf(encoded);
  if (format === null)
    throw new ImageError(`${file} is not an image cnn reads (${FORMATS_TEXT}; told by its first bytes, not its name)`);
  return decodeFormat(Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength), format, file);
}

async function decodeFormat(bytes: Buffer, format: ImageFormat, file: string): Promise<RgbImage> {
  await readImageHeader(bytes, format, file);
  const { data, info } = await decodeRaw(file, format, () =>
    pipeline(bytes).toColourspace('srgb').removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }),
  );
  return { width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * The image as a model's input bytes (C, H, W): the shorter side resized to cover H x W
 * (Lanczos when shrinking, as torchvision's Resize with antialias), the centre cropped out,
 * grey (one channel) or RGB (three; more channels repeat R, G, B).
 */
export async function decodeToShape(
  bytes: Buffer,
  format: ImageFormat,
  file: string,
  shape: readonly [number, number, number],
): Promise<Uint8Array> {
  await readImageHeader(bytes, format, file);
  const [channels, height, width] = shape;
  const grey = channels < 3;
  const { data, info } = await decodeRaw(file, format, () => {
    const resized = pipeline(bytes).resize(width, height, { fit: 'cover', position: 'centre' });
    return (grey ? resized.toColourspace('b-w') : resized.toColourspace('srgb'))
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  });
  if (info.width !== width || info.height !== height || info.channels !== (grey ? 1 : 3)) {
    throw new ImageError(
      `${file}: decoded to ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x${grey ? 1 : 3}`,
    );
  }
  return interleavedToPlanar(data, info.channels, channels, height * width);
}

/** HWC bytes with `from` channels to CHW with `to` channels (channel c reads c mod from). */
function interleavedToPlanar(data: Uint8Array, from: number, to: number, plane: number): Uint8Array {
  const out = new Uint8Array(to * plane);
  for (let c = 0; c < to; c++) {
    const source = c % from;
    const base = c * plane;
    for (let p = 0; p < plane; p++) out[base + p] = data[p * from + source];
  }
  return out;
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
