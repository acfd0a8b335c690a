// Applies one image's transform (augment.ts) while writing it, normalised, into the float
// batch: the same job as the Batcher's plain copy, with the source pixel of each output
// pixel found by the inverse transform. Everything happens on the model's input canvas
// (the image centred in it, as the Batcher pads), and whatever comes from outside the image
// is a 0 byte, the background the padding uses too.
//
// Two paths. A mirror plus an integer translation (flip, shift, crop) moves whole row
// segments: each output row is a clipped, possibly reversed, run of one source row read
// through the byte->float lookup table, so it is bit-identical to the plain copy when the
// transform is the identity. Rotation and scaling sample bilinearly; the interpolated byte
// value is normalised with the table's linear form (value * scale + offset).

import type { ImageTransform } from './augment';

/** Where one channel plane comes from and goes to. */
export interface PlaneGeometry {
  /** The image's size. */
  height: number;
  width: number;
  /** The model's input size (>= the image's). */
  targetHeight: number;
  targetWidth: number;
  /** Where the image's top-left pixel sits on the input canvas when untransformed. */
  padTop: number;
  padLeft: number;
}

/** How a byte becomes an input value in one channel: table[byte], or byte * scale + offset for fractional bytes. */
export interface ChannelNormalisation {
  table: Float32Array;
  scale: number;
  offset: number;
}

/**
 * Writes plane `source[sourceOffset ..]` (height x width bytes), transformed by `t`, into
 * `x[targetOffset ..]` (targetHeight x targetWidth values).
 */
export function warpPlane(
  source: Uint8Array,
  sourceOffset: number,
  g: PlaneGeometry,
  norm: ChannelNormalisation,
  t: ImageTransform,
  x: Float32Array,
  targetOffset: number,
): void {
  if (t.angle === 0 && t.scale === 1 && t.stretch === 1 && Number.isInteger(t.dx) && Number.isInteger(t.dy))
    translatePlane(source, sourceOffset, g, norm.table, t, x, targetOffset);
  else resamplePlane(source, sourceOffset, g, norm, t, x, targetOffset);
}

/** Flip and integer translation: output (r, c) = image(r - dy - padTop, c' - dx - padLeft), c' = mirrored c. */
function translatePlane(
  source: Uint8Array,
  sourceOffset: number,
  g: PlaneGeometry,
  table: Float32Array,
  t: ImageTransform,
  x: Float32Array,
  targetOffset: number,
): void {
  const { height, width, targetHeight, targetWidth } = g;
  const background = table[0];
  const left = g.padLeft + t.dx; // output column of image column 0 before mirroring
  const top = g.padTop + t.dy;
  // Output columns [first, end) show image columns; mirrored, column c shows targetWidth-1-c.
  const first = Math.max(0, t.flip ? targetWidth - left - width : left);
  const end = Math.min(targetWidth, t.flip ? targetWidth - left : left + width);
  for (let r = 0; r < targetHeight; r++) {
    const to = targetOffset + r * targetWidth;
    const sourceRow = r - top;
    if (sourceRow < 0 || sourceRow >= height || first >= end) {
      x.fill(background, to, to + targetWidth);
      continue;
    }
    if (first > 0) x.fill(background, to, to + first);
    if (end < targetWidth) x.fill(background, to + end, to + targetWidth);
    const rowStart = sourceOffset + sourceRow * width;
    // Mirrored, column c shows image column targetWidth-1-c-left, one lower per step.
    if (t.flip) copyRunReversed(source, rowStart + targetWidth - 1 - first - left, x, to + first, end - first, table);
    else copyRun(source, rowStart + first - left, x, to + first, end - first, table);
  }
}

/** x[to + i] = table[source[from + i]] for i in 0..length-1; unrolled by 4 (V8 runs it faster so). */
export function copyRun(
  source: Uint8Array,
  from: number,
  x: Float32Array,
  to: number,
  length: number,
  table: Float32Array,
): void {
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const a = source[from + i],
      b = source[from + i + 1],
      c = source[from + i + 2],
      d = source[from + i + 3];
    x[to + i] = table[a];
    x[to + i + 1] = table[b];
    x[to + i + 2] = table[c];
    x[to + i + 3] = table[d];
  }
  for (; i < length; i++) x[to + i] = table[source[from + i]];
}

/** x[to + i] = table[source[from - i]] for i in 0..length-1: a row read backwards. */
export function copyRunReversed(
  source: Uint8Array,
  from: number,
  x: Float32Array,
  to: number,
  length: number,
  table: Float32Array,
): void {
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const a = source[from - i],
      b = source[from - i - 1],
      c = source[from - i - 2],
      d = source[from - i - 3];
    x[to + i] = table[a];
    x[to + i + 1] = table[b];
    x[to + i + 2] = table[c];
    x[to + i + 3] = table[d];
  }
  for (; i < length; i++) x[to + i] = table[source[from - i]];
}

/** Rotation and scaling about the canvas centre (with flip and translation), bilinear, 0 outside. */
function resamplePlane(
  source: Uint8Array,
  sourceOffset: number,
  g: PlaneGeometry,
  norm: ChannelNormalisation,
  t: ImageTransform,
  x: Float32Array,
  targetOffset: number,
): void {
  const { height, width, targetHeight, targetWidth } = g;
  const centreX = (targetWidth - 1) / 2;
  const centreY = (targetHeight - 1) / 2;
  // Inverse map: undo the mirror, the translation, then rotate by -angle and divide by the zoom of each axis.
  const scaleX = t.stretch === 1 ? t.scale : t.scale * t.stretch;
  const scaleY = t.stretch === 1 ? t.scale : t.scale / t.stretch;
  const cosX = Math.cos(t.angle) / scaleX;
  const sinX = Math.sin(t.angle) / scaleX;
  const cosY = Math.cos(t.angle) / scaleY;
  const sinY = Math.sin(t.angle) / scaleY;
  const step = t.flip ? -1 : 1; // how u changes from one output column to the next
  const { scale, offset } = norm;
  const lastColumn = width - 1;
  const lastRow = height - 1;
  for (let r = 0; r < targetHeight; r++) {
    const to = targetOffset + r * targetWidth;
    const v = r - t.dy - centreY;
    const u0 = (t.flip ? targetWidth - 1 : 0) - t.dx - centreX;
    // Image coordinates of output column 0, and their change per column.
    let sx = cosX * u0 + sinX * v + centreX - g.padLeft;
    let sy = -sinY * u0 + cosY * v + centreY - g.padTop;
    const stepX = cosX * step;
    const stepY = -sinY * step;
    for (let c = 0; c < targetWidth; c++, sx += stepX, sy += stepY) {
      let value: number;
      if (sx >= 0 && sy >= 0 && sx < lastColumn && sy < lastRow) {
        // All four neighbours inside (the common case); sx, sy >= 0, so truncation is floor.
        const x0 = sx | 0;
        const y0 = sy | 0;
        const fx = sx - x0;
        const at = sourceOffset + y0 * width + x0;
        const top = source[at] + fx * (source[at + 1] - source[at]);
        const bottom = source[at + width] + fx * (source[at + width + 1] - source[at + width]);
        value = top + (sy - y0) * (bottom - top);
      } else {
        value = sampleBilinear(source, sourceOffset, height, width, sx, sy);
      }
      x[to + c] = value * scale + offset;
    }
  }
}

/** The bilinear value at image coordinates (sx, sy), counting pixels outside as 0 (any position; resamplePlane inlines the interior case). */
function sampleBilinear(
  source: Uint8Array,
  base: number,
  height: number,
  width: number,
  sx: number,
  sy: number,
): number {
  if (!(sx > -1 && sy > -1 && sx < width && sy < height)) return 0;
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  const fx = sx - x0;
  const fy = sy - y0;
  const at = base + y0 * width + x0;
  if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) {
    const top = source[at] + fx * (source[at + 1] - source[at]);
    const bottom = source[at + width] + fx * (source[at + width + 1] - source[at + width]);
    return top + fy * (bottom - top);
  }
  // At the border: the neighbours outside the image are 0.
  const inX0 = x0 >= 0,
    inX1 = x0 + 1 < width,
    inY0 = y0 >= 0,
    inY1 = y0 + 1 < height;
  const p00 = inY0 && inX0 ? source[at] : 0;
  const p01 = inY0 && inX1 ? source[at + 1] : 0;
  const p10 = inY1 && inX0 ? source[at + width] : 0;
  const p11 = inY1 && inX1 ? source[at + width + 1] : 0;
  const top = p00 + fx * (p01 - p00);
  const bottom = p10 + fx * (p11 - p10);
  return top + fy * (bottom - top);
}
