// An image folder or CSV manifest as a Dataset: listed (image-folder.ts, image-manifest.ts),
// decoded once into the cache at the model's input shape (image-cache.ts), split (given by
// train/ and test/ folders, or drawn per class by stratified-split.ts), and held in memory
// when the cache fits CNN_IMAGE_MEMORY_MB, else read from the cache a batch at a time.
import * as fs from 'node:fs';
import { DataError } from './errors';
import { trainingStatistics, type Dataset, type ImageSet } from './dataset';
import { listImageFolder, preview } from './image-folder';
import { listImageManifest } from './image-manifest';
import type { ImageListing } from './image-listing';
import { CacheReader, openImageCache, type ImageCache } from './image-cache';
import { splitFingerprint, stratifiedSplit } from './stratified-split';
import type { ImageFolderInfo } from './image-folder-info';

export const DEFAULT_TEST_SPLIT = 0.2;
/** The drawn split's seed: fixed, so the split depends on the files alone. */
export const SPLIT_SEED = 0;
export const MEMORY_LIMIT_VARIABLE = 'CNN_IMAGE_MEMORY_MB';
const DEFAULT_MEMORY_LIMIT_MB = 1024;
/** Labels are stored as bytes. */
const MAX_CLASSES = 256;

export interface ImageFolderOptions {
  shape: [number, number, number];
  testSplit: number;
  cacheDir: string;
  skipBadImages: boolean;
  log: (line: string) => void;
  /** What a checkpoint recorded: the split redrawn must be the same. */
  expected?: ImageFolderInfo;
  env?: NodeJS.ProcessEnv;
}

/** Whether `arg` (a --data value) names an image dataset rather than a built-in one's files. */
export function isCsvManifest(arg: string): boolean {
  return arg.toLowerCase().endsWith('.csv');
}

/** The listing of a folder of class folders, or of a CSV manifest. */
export function listImageData(arg: string): ImageListing {
  return isCsvManifest(arg) && !isDirectory(arg) ? listImageManifest(arg) : listImageFolder(arg);
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The bytes an image set may take in memory before it is read from the cache instead. */
export function memoryLimitBytes(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[MEMORY_LIMIT_VARIABLE];
  const mb = text === undefined || text.trim() === '' ? DEFAULT_MEMORY_LIMIT_MB : Number(text);
  if (!(mb >= 0) || !Number.isFinite(mb))
    throw new DataError(MEMORY_LIMIT_VARIABLE, `${MEMORY_LIMIT_VARIABLE}=${text} is not a number of megabytes`);
  return mb * 2 ** 20;
}

export async function loadImageFolderDataset(arg: string, options: ImageFolderOptions): Promise<Dataset> {
  const listing = listImageData(arg);
  if (listing.classNames.length > MAX_CLASSES) {
    throw new DataError(arg, `${arg}: ${listing.classNames.length} classes, more than the ${MAX_CLASSES} cnn supports`);
  }
  for (const note of listing.notes) options.log(`note: ${note}`);
  const cache = await openImageCache(listing, options.shape, { cacheDir: options.cacheDir, log: options.log });
  const bad = new Set(cache.bad.map((b) => b.index));
  if (cache.bad.length > 0) {
    const named = preview(
      cache.bad.map((b) => b.message),
      5,
    );
    if (!options.skipBadImages) {
      throw new DataError(
        arg,
        `${cache.bad.length} image${cache.bad.length === 1 ? '' : 's'} in ${arg} cannot be read: ${named}. Fix or remove ${cache.bad.length === 1 ? 'it' : 'them'}, or pass --skip-bad-images to leave ${cache.bad.length === 1 ? 'it' : 'them'} out`,
      );
    }
    options.log(
      `skipped ${cache.bad.length} unreadable image${cache.bad.length === 1 ? '' : 's'} (--skip-bad-images): ${named}`,
    );
  }
  const testSplit = options.expected ? options.expected.testSplit : listing.given ? null : options.testSplit;
  const split = listing.given ?? stratifiedSplit(listing, testSplit ?? DEFAULT_TEST_SPLIT, SPLIT_SEED);
  const train = split.train.filter((i) => !bad.has(i));
  const test = split.test.filter((i) => !bad.has(i));
  if (train.length === 0) throw new DataError(arg, `${arg}: no readable training images`);
  const info: ImageFolderInfo = {
    source: listing.source,
    form: listing.form,
    testSplit,
    splitSeed: SPLIT_SEED,
    testFingerprint: splitFingerprint(listing, test),
    skipBadImages: options.skipBadImages,
  };
  if (options.expected && options.expected.testFingerprint !== info.testFingerprint) {
    throw new DataError(
      arg,
      `${arg}: the test images differ from those the checkpoint was trained with (files were added, removed or renamed since), so its test results would not be comparable; train again on the folder as it is now`,
    );
  }
  const inMemory = (train.length + test.length) * cache.recordBytes <= memoryLimitBytes(options.env);
  const reader = new CacheReader(cache);
  const trainSet = makeSet(listing, cache, reader, train, inMemory);
  const testSet = makeSet(listing, cache, reader, test, inMemory);
  if (!inMemory)
    options.log(
      `images read from the cache as batches need them (they exceed ${MEMORY_LIMIT_VARIABLE}=${memoryLimitBytes(options.env) / 2 ** 20})`,
    );
  const { mean, std } = trainingStatistics('images', arg, trainSet, testSet);
  return {
    name: 'images',
    source: listing.source,
    train: trainSet,
    test: testSet,
    classes: listing.classNames.length,
    classNames: listing.classNames.slice(),
    mean,
    std,
    imageFolder: info,
  };
}

function makeSet(
  listing: ImageListing,
  cache: ImageCache,
  reader: CacheReader,
  records: number[],
  inMemory: boolean,
): ImageSet {
  const labels = Uint8Array.from(records, (r) => listing.entries[r].label);
  const ordered = Uint32Array.from(records);
  if (inMemory) return { images: reader.readAll(ordered), labels, count: records.length, shape: cache.shape };
  return {
    images: new Uint8Array(0),
    labels,
    count: records.length,
    shape: cache.shape,
    stored: reader.stored(ordered),
  };
}
