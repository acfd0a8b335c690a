// The largest images cnn decodes, checked against the numbers an image's header declares
// before any pixel is decoded: a small file can declare a huge image (a 99-byte PNG can
// claim 20000x20000), and decoding it first would allocate gigabytes. A photo from a
// 48-megapixel phone camera fits; a strip longer than 32 times its width does not (nothing
// of it would survive the resize to a model's square input).

/** The most pixels (width x height) an image may declare. */
export const MAX_IMAGE_PIXELS = 50_000_000;
/** The most one side may be longer than the other. */
export const MAX_ASPECT_RATIO = 32;
/** The largest image file read (a 50-megapixel PNG is rarely above 150 MB). */
export const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;

/** Why an image of width x height is refused, or null when it is within the limits. */
export function imageSizeProblem(width: number, height: number): string | null {
  if (!(width >= 1 && height >= 1)) return `it declares ${width}x${height} pixels (no pixels)`;
  if (width * height > MAX_IMAGE_PIXELS) {
    return `it declares ${width}x${height} pixels, more than the limit of ${MAX_IMAGE_PIXELS.toLocaleString('en-US')} pixels; shrink it first (e.g. with ImageMagick: convert IN -resize 4000x4000 OUT)`;
  }
  const ratio = Math.max(width, height) / Math.min(width, height);
  if (ratio > MAX_ASPECT_RATIO) {
    return `it declares ${width}x${height} pixels, an aspect ratio of ${Math.round(ratio)}:1, above the limit of ${MAX_ASPECT_RATIO}:1; crop it first`;
  }
  return null;
}
