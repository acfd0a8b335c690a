// Turning command-line words into things: a model name or JSON file into a ModelSpec,
// a dataset name and directory into a loaded Dataset.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getModel } from '../model/zoo';
import { modelFromJson } from '../model/plan';
import type { ModelSpec } from '../model/types';
import { DATASET_NAMES, loadDataset, missingIdxFiles, type BuiltinDatasetName, type Dataset } from '../data/dataset';
import { CIFAR10_FILES, locateCifar10 } from '../data/cifar';
import { DataError } from '../data/errors';
import { isCsvManifest, loadImageFolderDataset, type ImageFolderOptions } from '../data/image-folder-dataset';
import { UsageError, RunError } from './errors';
import { describeFsError } from '../io/fs-errors';

export type DatasetName = BuiltinDatasetName;

/** Whether a MODEL argument names a JSON file rather than a model of the zoo. */
export function looksLikeModelFile(arg: string): boolean {
  return arg.endsWith('.json') || arg.includes('/') || arg.includes(path.sep);
}

/** A built-in model name, or a path to a JSON model file. */
export function resolveModel(arg: string): ModelSpec {
  if (looksLikeModelFile(arg)) {
    let text: string;
    try {
      text = fs.readFileSync(arg, 'utf8');
    } catch (e) {
      throw new RunError(`Cannot read model file ${arg}: ${describeFsError(e)}.`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new RunError(`Model file ${arg} is not valid JSON: ${(e as Error).message}.`);
    }
    try {
      return modelFromJson(raw, arg);
    } catch (e) {
      throw new RunError((e as Error).message);
    }
  }
  try {
    return getModel(arg);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function parseDatasetName(value: string): DatasetName {
  if (!(DATASET_NAMES as readonly string[]).includes(value)) {
    throw new UsageError(
      `Unknown dataset "${value}" (option --dataset). Known datasets: ${DATASET_NAMES.join(', ')} ("cnn datasets" lists where each is looked for).`,
    );
  }
  return value as DatasetName;
}

export function resolveDataset(name: DatasetName, dir: string | undefined): Dataset {
  try {
    return loadDataset(name, dir);
  } catch (e) {
    throw new RunError((e as Error).message);
  }
}

/**
 * Whether --data names a folder of images or a CSV manifest rather than a built-in
 * dataset's files: a .csv file, or (without an explicit --dataset) a directory holding
 * neither IDX nor CIFAR-10 files.
 */
export function isImageData(dataArg: string | undefined, datasetGiven: boolean): boolean {
  if (dataArg === undefined) return false;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dataArg);
  } catch {
    return isCsvManifest(dataArg) && !datasetGiven;
  }
  if (stat.isFile()) return isCsvManifest(dataArg);
  if (datasetGiven || !stat.isDirectory()) return false;
  const cifar = locateCifar10(dataArg);
  return missingIdxFiles(dataArg).length === 4 && cifar.missing.length === CIFAR10_FILES.length;
}

/** A folder of images or a CSV manifest, decoded (once, into the cache) to the model's input. */
export async function resolveImageData(dataArg: string, options: ImageFolderOptions): Promise<Dataset> {
  try {
    return await loadImageFolderDataset(dataArg, options);
  } catch (e) {
    if (e instanceof DataError) throw new RunError(e.message);
    throw e;
  }
}
