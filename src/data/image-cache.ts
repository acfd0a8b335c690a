// The decode-once cache of an image dataset: every image of a listing decoded by sharp and
// resized to the model's input shape (C, H, W), stored as uint8 records in listing order,
// so later epochs and runs read raw pixels. One file per (file list, sizes, mtimes, shape):
// the key is a hash of them, in the file's name and its trailer, so a changed dataset or
// another shape makes a new cache instead of reading a stale one.
//
// Layout: the records (count x C*H*W bytes; an unreadable image's record is zeros), then a
// JSON trailer (key, shape, count, the unreadable images and why), then its byte length
// (u32 LE) and the magic "CNNPIX1\n". It is written to a temporary file in the cache
// directory, synced, then renamed: a killed run never leaves a half-written cache behind.
// (Not through src/io/atomic-write.ts, which takes the whole contents at once: a cache larger
// than memory is written record by record, as the images are decoded.)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import * as cliProgress from 'cli-progress';
import { DataError } from './errors';
import { readImageFile } from '../image/image-file';
import { decodeToShape } from '../image/decode';
import type { ImageListing } from './image-listing';
import type { StoredImages } from './stored-images';

const MAGIC = 'CNNPIX1\n';
const TAIL_BYTES = 4 + MAGIC.length;
/** Bump when the record layout or the decoding changes: old caches are then rebuilt. */
const CACHE_VERSION = 1;
export const CACHE_DIR_VARIABLE = 'CNN_CACHE_DIR';

export interface BadImage {
  index: number;
  message: string;
}

export interface ImageCache {
  file: string;
  shape: [number, number, number];
  count: number;
  recordBytes: number;
  bad: BadImage[];
}

interface Trailer {
  version: number;
  key: string;
  shape: [number, number, number];
  count: number;
  bad: BadImage[];
}

/** --cache-dir, else $CNN_CACHE_DIR, else $XDG_CACHE_HOME/cnn/images, else ~/.cache/cnn/images. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env[CACHE_DIR_VARIABLE]) return env[CACHE_DIR_VARIABLE] as string;
  const base =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'cnn', 'images');
}

function cacheKey(listing: ImageListing, shape: readonly number[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ version: CACHE_VERSION, shape, classes: listing.classNames }));
  for (const e of listing.entries) h.update(`\n${e.file}\0${e.size}\0${e.mtimeMs}\0${e.label}`);
  return h.digest('hex');
}

function cacheFileName(listing: ImageListing, shape: readonly number[], key: string): string {
  const base =
    path
      .basename(listing.source)
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .slice(0, 40) || 'images';
  return `${base}-${shape.join('x')}-${key.slice(0, 16)}.pixels`;
}

/** The cache if it is there and whole, else null (a damaged or foreign file is simply rebuilt). */
function openExisting(file: string, key: string, shape: [number, number, number], count: number): ImageCache | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const recordBytes = shape[0] * shape[1] * shape[2];
    if (size < TAIL_BYTES + count * recordBytes) return null;
    const tail = Buffer.alloc(TAIL_BYTES);
    fs.readSync(fd, tail, 0, TAIL_BYTES, size - TAIL_BYTES);
    if (tail.subarray(4).toString('latin1') !== MAGIC) return null;
    const length = tail.readUInt32LE(0);
    if (count * recordBytes + length + TAIL_BYTES !== size) return null;
    const text = Buffer.alloc(length);
    fs.readSync(fd, text, 0, length, count * recordBytes);
    const trailer = JSON.parse(text.toString('utf8')) as Trailer;
    if (trailer.key !== key || trailer.count !== count || trailer.version !== CACHE_VERSION) return null;
    return { file, shape, count, recordBytes, bad: trailer.bad };
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

export interface CacheOptions {
  cacheDir: string;
  /** A line for the user (what is read or built, and where). */
  log: (line: string) => void;
  /** Where the progress bar is drawn while the cache is built (a terminal only). */
  progressStream?: NodeJS.WriteStream;
}

/** Opens the listing's cache for `shape`, building it first when there is none. */
export async function openImageCache(
  listing: ImageListing,
  shape: [number, number, number],
  options: CacheOptions,
): Promise<ImageCache> {
  const key = cacheKey(listing, shape);
  const file = path.join(options.cacheDir, cacheFileName(listing, shape, key));
  const count = listing.entries.length;
  const existing = openExisting(file, key, shape, count);
  if (existing) {
    options.log(`reading cached images from ${file}`);
    return existing;
  }
  try {
    fs.mkdirSync(options.cacheDir, { recursive: true });
  } catch (e) {
    throw new DataError(
      options.cacheDir,
      `cannot create the image cache directory ${options.cacheDir}: ${(e as Error).message}; choose another with --cache-dir DIR`,
    );
  }
  options.log(
    `decoding ${count.toLocaleString('en-US')} images to ${shape.join('x')} into the cache ${file} (once; later runs read it)`,
  );
  const bad = await buildCache(listing, shape, file, key, options.progressStream ?? process.stderr);
  return { file, shape, count, recordBytes: shape[0] * shape[1] * shape[2], bad };
}

/** How many images are decoded at once: sharp works on its own threads, so a few keep them busy. */
const IN_FLIGHT = Math.max(2, Math.min(8, os.availableParallelism()));

async function buildCache(
  listing: ImageListing,
  shape: [number, number, number],
  file: string,
  key: string,
  stream: NodeJS.WriteStream,
): Promise<BadImage[]> {
  const recordBytes = shape[0] * shape[1] * shape[2];
  const temporary = `${file}.tmp-${process.pid}-${Date.now().toString(36)}`;
  let fd: number;
  try {
    fd = fs.openSync(temporary, 'wx', 0o644);
  } catch (e) {
    throw new DataError(
      path.dirname(file),
      `cannot write the image cache in ${path.dirname(file)}: ${(e as Error).message}; choose another directory with --cache-dir DIR`,
    );
  }
  const bar = stream.isTTY
    ? new cliProgress.SingleBar(
        {
          stream,
          format: 'caching images {bar} {value}/{total} | ETA {eta_formatted}',
          barsize: 24,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(listing.entries.length, 0);
  const bad: BadImage[] = [];
  try {
    let next = 0;
    let done = 0;
    const zeros = new Uint8Array(recordBytes);
    const worker = async () => {
      for (let i = next++; i < listing.entries.length; i = next++) {
        const entry = listing.entries[i];
        let record: Uint8Array;
        try {
          const { bytes, format } = readImageFile(entry.file);
          record = await decodeToShape(bytes, format, entry.file, shape);
        } catch (e) {
          bad.push({ index: i, message: (e as Error).message });
          record = zeros;
        }
        fs.writeSync(fd, record, 0, recordBytes, i * recordBytes);
        bar?.update(++done);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    bad.sort((a, b) => a.index - b.index);
    const trailer = Buffer.from(
      JSON.stringify({ version: CACHE_VERSION, key, shape, count: listing.entries.length, bad } satisfies Trailer),
      'utf8',
    );
    const tail = Buffer.alloc(TAIL_BYTES);
    tail.writeUInt32LE(trailer.length, 0);
    tail.write(MAGIC, 4, 'latin1');
    const at = listing.entries.length * recordBytes;
    fs.writeSync(fd, trailer, 0, trailer.length, at);
    fs.writeSync(fd, tail, 0, TAIL_BYTES, at + trailer.length);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(temporary, file);
  } catch (e) {
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
    fs.rmSync(temporary, { force: true });
    if (e instanceof DataError) throw e;
    throw new DataError(
      file,
      `cannot write the image cache ${file}: ${(e as Error).message}; choose another directory with --cache-dir DIR`,
    );
  } finally {
    bar?.stop();
  }
  return bad;
}

/** Reads records of a cache file; the file stays open for the life of the process. */
export class CacheReader {
  private readonly fd: number;

  constructor(readonly cache: ImageCache) {
    this.fd = fs.openSync(cache.file, 'r');
  }

  readRecord(record: number, into: Uint8Array, offset: number): void {
    const n = fs.readSync(this.fd, into, offset, this.cache.recordBytes, record * this.cache.recordBytes);
    if (n !== this.cache.recordBytes)
      throw new DataError(
        this.cache.file,
        `${this.cache.file}: the image cache is shorter than it was; delete it and run again`,
      );
  }

  /** The records (ascending) read into one array, consecutive runs in one read each. */
  readAll(records: ArrayLike<number>): Uint8Array {
    const size = this.cache.recordBytes;
    const out = new Uint8Array(records.length * size);
    const MAX_RUN = Math.max(1, Math.floor((16 << 20) / size));
    for (let i = 0; i < records.length;) {
      let run = 1;
      while (i + run < records.length && run < MAX_RUN && records[i + run] === records[i] + run) run++;
      const n = fs.readSync(this.fd, out, i * size, run * size, records[i] * size);
      if (n !== run * size)
        throw new DataError(
          this.cache.file,
          `${this.cache.file}: the image cache is shorter than it was; delete it and run again`,
        );
      i += run;
    }
    return out;
  }

  /** The records as images kept on disk. */
  stored(records: Uint32Array): StoredImages {
    return new CachedRecords(this, records);
  }
}

class CachedRecords implements StoredImages {
  constructor(
    private readonly reader: CacheReader,
    private readonly records: Uint32Array,
  ) {}

  read(index: number, into: Uint8Array, offset: number): void {
    this.reader.readRecord(this.records[index], into, offset);
  }

  select(indices: ArrayLike<number>): StoredImages {
    const records = new Uint32Array(indices.length);
    for (let i = 0; i < indices.length; i++) records[i] = this.records[indices[i]];
    return new CachedRecords(this.reader, records);
  }
}
