// Resampling of float image planes, separably (rows, then columns). Shrinking averages the
// source pixels each output pixel covers, weighted by the covered fraction (area
// filtering, so thin strokes fade into grey rather than vanish between samples); enlarging
// interpolates bilinearly between pixel centres. Both keep a constant image constant.

/** Planar float pixels: data[(c * height + y) * width + x]. */
export interface Planes {
  channels: number;
  height: number;
  width: number;
  data: Float32Array;
}

/** For each output index, the source indices it reads and their weights (summing to 1). */
interface Taps {
  first: Int32Array;
  count: Int32Array;
  weights: Float32Array[];
}

function areaTaps(from: number, to: number): Taps {
  const scale = from / to;
  const first = new Int32Array(to);
  const count = new Int32Array(to);
  const weights: Float32Array[] = [];
  for (let o = 0; o < to; o++) {
    const begin = o * scale;
    const end = Math.min(from, (o + 1) * scale);
    const lo = Math.floor(begin);
    const hi = Math.min(from, Math.ceil(end));
    const w = new Float32Array(hi - lo);
    for (let i = lo; i < hi; i++) w[i - lo] = (Math.min(end, i + 1) - Math.max(begin, i)) / scale;
    first[o] = lo;
    count[o] = hi - lo;
    weights.push(w);
  }
  return { first, count, weights };
}

function bilinearTaps(from: number, to: number): Taps {
  const scale = from / to;
  const first = new Int32Array(to);
  const count = new Int32Array(to);
  const weights: Float32Array[] = [];
  for (let o = 0; o < to; o++) {
    // Pixel centres aligned: output centre o + 0.5 maps to source (o + 0.5) * scale.
    const position = Math.min(from - 1, Math.max(0, (o + 0.5) * scale - 0.5));
    const lo = Math.floor(position);
    const t = position - lo;
    if (lo + 1 < from && t > 0) {
      first[o] = lo;
      count[o] = 2;
      weights.push(Float32Array.of(1 - t, t));
    } else {
      first[o] = lo;
      count[o] = 1;
      weights.push(Float32Array.of(1));
    }
  }
  return { first, count, weights };
}

const tapsFor = (from: number, to: number): Taps => (to < from ? areaTaps(from, to) : bilinearTaps(from, to));

/** The planes resampled to height x width. */
export function resizePlanes(src: Planes, height: number, width: number): Planes {
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new RangeError(`resizePlanes: the target size must be positive whole numbers, got ${height}x${width}`);
  }
  const { channels } = src;
  const columns = tapsFor(src.width, width);
  const rows = tapsFor(src.height, height);
  // Along each row first: (C, srcH, width).
  const across = new Float32Array(channels * src.height * width);
  for (let r = 0; r < channels * src.height; r++) {
    const row = r * src.width;
    for (let x = 0; x < width; x++) {
      const w = columns.weights[x];
      let sum = 0;
      for (let k = 0; k < columns.count[x]; k++) sum += w[k] * src.data[row + columns.first[x] + k];
      across[r * width + x] = sum;
    }
  }
  // Then down each column: (C, height, width).
  const out = new Float32Array(channels * height * width);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const w = rows.weights[y];
      for (let x = 0; x < width; x++) {
        let sum = 0;
        for (let k = 0; k < rows.count[y]; k++) sum += w[k] * across[(c * src.height + rows.first[y] + k) * width + x];
        out[(c * height + y) * width + x] = sum;
      }
    }
  }
  return { channels, height, width, data: out };
}
