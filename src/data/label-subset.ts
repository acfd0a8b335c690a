// `--labels LIST`: train (and evaluate) on some of a dataset's classes only, e.g. digits 0-4,
// as transfer-learning experiments do. The images of the listed labels are kept and their
// labels renumbered 0..k-1 in the order of the list ("5,6,7,8,9": 5 becomes 0, ..., 9 becomes 4),
// so a model with k outputs trains on them; the class names follow.
import type { Dataset, ImageSet } from './dataset';
import { selectImages } from './stored-images';

export class LabelListError extends Error {}

/** "0,1,2", "5-9" or a mix ("0-2,7"): distinct whole numbers in list order. */
export function parseLabelList(text: string): number[] {
  const labels: number[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range) {
      const [lo, hi] = [Number(range[1]), Number(range[2])];
      if (lo > hi) throw new LabelListError(`"${part}" is an empty range; write the smaller label first, e.g. 5-9`);
      for (let l = lo; l <= hi; l++) labels.push(l);
    } else if (/^\d+$/.test(part)) {
      labels.push(Number(part));
    } else {
      throw new LabelListError(`"${part}" is not a label; give labels as whole numbers or ranges, e.g. 0,1,2 or 5-9`);
    }
  }
  const seen = new Set<number>();
  for (const l of labels) {
    if (seen.has(l)) throw new LabelListError(`label ${l} is listed twice`);
    seen.add(l);
  }
  return labels;
}

/** The images whose label is in `labels`, relabelled by their position in the list. */
export function selectLabels(set: ImageSet, labels: readonly number[]): ImageSet {
  const newLabel = new Int16Array(256).fill(-1);
  labels.forEach((l, i) => (newLabel[l] = i));
  const kept: number[] = [];
  for (let i = 0; i < set.count; i++) if (newLabel[set.labels[i]] >= 0) kept.push(i);
  const out = selectImages(set, kept);
  for (let k = 0; k < out.count; k++) out.labels[k] = newLabel[out.labels[k]];
  return out;
}

/** The dataset restricted to `labels` (checked against its classes). Mean and std stay the full set's. */
export function subsetDataset(dataset: Dataset, labels: readonly number[]): Dataset {
  const bad = labels.find((l) => l >= dataset.classes);
  if (bad !== undefined)
    throw new LabelListError(
      `label ${bad} is not a class of ${dataset.name} (its labels are 0-${dataset.classes - 1})`,
    );
  return {
    ...dataset,
    train: selectLabels(dataset.train, labels),
    test: selectLabels(dataset.test, labels),
    classes: labels.length,
    classNames: labels.map((l) => dataset.classNames[l] ?? String(l)),
  };
}
