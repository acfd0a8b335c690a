// Turning command-line words into things: a model name or JSON file into a ModelSpec,
// a dataset name and directory into a loaded Dataset.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getModel } from '../model/zoo';
import { modelFromJson } from '../model/plan';
import type { ModelSpec } from '../model/types';
import { DATASET_NAMES, loadDataset, type BuiltinDatasetName, type Dataset } from '../data/dataset';
import { UsageError, RunError } from './errors';

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
      throw new RunError(`Cannot read model file ${arg}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`);
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
    throw new UsageError(`Unknown dataset "${value}" (option --dataset). Known datasets: ${DATASET_NAMES.join(', ')} ("cnn datasets" lists where each is looked for).`);
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
