// The "dataset" metadata of a checkpoint drives eval, predict and resume (normalisation,
// class names, which data to read): a damaged or hand-edited value must fail at load time
// with the file named, not later as a TypeError somewhere else.
import type { DatasetInfo } from './training-checkpoint';
import { describeValue } from '../layers/fields';
import { settingProblem } from './setting-rules';
import { checkFingerprint } from '../data/fingerprint';
import { checkImageFolderInfo } from '../data/image-folder-info';

export function checkDatasetInfo(file: string, value: unknown): DatasetInfo {
  const bad = (what: string): never => {
    throw new Error(`${file}: the checkpoint's "dataset" metadata ${what}; the file is damaged.`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('is not an object');
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || v.name === '') bad('has no "name"');
  const numbers = (key: string, positive: boolean): void => {
    const a = v[key];
    if (!Array.isArray(a) || a.length === 0) bad(`has no "${key}" list`);
    for (const x of a as unknown[]) {
      if (typeof x !== 'number' || !Number.isFinite(x) || (positive && x <= 0)) {
        bad(`has a "${key}" value ${JSON.stringify(x)} that is not a ${positive ? 'positive ' : ''}finite number`);
      }
    }
  };
  numbers('mean', false);
  numbers('std', true);
  if ((v.mean as unknown[]).length !== (v.std as unknown[]).length) bad('has "mean" and "std" of different lengths');
  if (!Array.isArray(v.classNames) || !v.classNames.every((c) => typeof c === 'string'))
    bad('has no "classNames" list of strings');
  if (v.dir !== undefined && typeof v.dir !== 'string') bad('has a "dir" that is not a string');
  // The same rules as --labels and --permute-pixels.
  if (v.labels !== undefined) {
    const ok =
      Array.isArray(v.labels) &&
      v.labels.length > 0 &&
      v.labels.every((l) => Number.isInteger(l) && l >= 0 && l <= 255) &&
      new Set(v.labels).size === v.labels.length;
    if (!ok) bad(`has a "labels" list ${describeValue(v.labels)} that is not of distinct labels from 0 to 255`);
  }
  if (v.permutePixels !== undefined) {
    const problem = settingProblem(v.permutePixels, 'nonNegativeInt');
    if (problem) bad(`has a "permutePixels" seed ${describeValue(v.permutePixels)}: ${problem.replace(/\.$/, '')}`);
  }
  if (v.fingerprint !== undefined) checkFingerprint(v.fingerprint, bad);
  if (v.imageFolder !== undefined) {
    const problem = checkImageFolderInfo(v.imageFolder);
    if (problem) bad(`has an "imageFolder" that ${problem}`);
  }
  return v as unknown as DatasetInfo;
}
