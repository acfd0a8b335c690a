// Gunzip without trusting the compressed file: a few KiB of gzip can inflate to gigabytes (a
// "gzip bomb"), and a damaged stream can produce megabytes of garbage before zlib notices.
// Readers first inflate just enough to read their header (gunzipPrefix), work out from it
// how many bytes the file must hold, and then inflate at most that many (gunzipExactly).
import * as zlib from 'zlib';

/** Output cap of one prefix inflation: a header plus what one more input byte can add. */
const PREFIX_OUTPUT_CAP = 8192;
const PREFIX_CHUNK = 2048;
/** Deflate's best ratio: a 2-bit length/distance pair copies 258 bytes, 1,032 per input byte. */
export const MAX_DEFLATE_RATIO = 1032;

export class GunzipLimitError extends Error {
  constructor(readonly limit: number) {
    super(`inflates to more than ${limit} bytes`);
  }
}

function isTooLarge(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}

/** Inflates the first `k` compressed bytes, or null if they give more than PREFIX_OUTPUT_CAP. */
function inflatePrefix(gz: Buffer, k: number): Buffer | null {
  try {
    // Z_SYNC_FLUSH: return what the prefix decodes to instead of failing on its cut end.
    return zlib.gunzipSync(gz.subarray(0, k), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      maxOutputLength: PREFIX_OUTPUT_CAP,
      chunkSize: PREFIX_CHUNK, // zlib's default 16 KiB output chunk would dwarf a header
    });
  } catch (err) {
    if (isTooLarge(err)) return null;
    throw err;
  }
}

/**
 * The start of the uncompressed data: at least enough bytes for `enough(start)` to hold, or
 * everything if the data are shorter; at most a few KiB, however the file inflates. Searches
 * for a prefix of the compressed bytes whose output is long enough but under the cap (output
 * grows with the prefix, by at most MAX_DEFLATE_RATIO bytes per byte). Throws zlib's error
 * for a damaged stream.
 */
export function gunzipPrefix(gz: Buffer, enough: (start: Buffer) => boolean): Buffer {
  let short = 0; // longest prefix known to give too little
  let long = gz.length + 1; // shortest prefix known to give too much
  let k = Math.min(gz.length, 256);
  for (;;) {
    const out = inflatePrefix(gz, k);
    if (out !== null && (enough(out) || k === gz.length)) return out;
    if (out === null) long = k;
    else short = k;
    const next = long > gz.length ? Math.min(gz.length, 2 * k) : Math.floor((short + long) / 2);
    if (next <= short || next >= long) {
      // Unreachable for a valid deflate stream (see MAX_DEFLATE_RATIO); kept so a bug cannot loop.
      throw new Error('cannot inflate the header within the size limit');
    }
    k = next;
  }
}

/**
 * Inflates the whole file, expecting exactly `expected` bytes: inflation stops (throwing
 * GunzipLimitError) as soon as the output would exceed that, so a file never costs more
 * memory than its header claims. A shorter stream gives its (shorter) output or zlib's error.
 */
export function gunzipExactly(gz: Buffer, expected: number): Buffer {
  try {
    // One output chunk of the expected size (within zlib's bounds) instead of 16 KiB pieces.
    const chunkSize = Math.min(Math.max(expected + 1, 64), 1 << 20);
    return zlib.gunzipSync(gz, { maxOutputLength: Math.max(expected, 1), chunkSize });
  } catch (err) {
    if (isTooLarge(err)) throw new GunzipLimitError(expected);
    throw err;
  }
}

/** ISIZE from the gzip trailer: the uncompressed length modulo 2^32 (of the last member). */
export function gzipTrailerSize(gz: Buffer): number | null {
  return gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) : null;
}
