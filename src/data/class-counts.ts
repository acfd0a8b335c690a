// How many images of each class a set holds: what class weights (--class-weights balanced)
// and the dataset survey are computed from. Labels are in memory for every set, stored or not.
import type { ImageSet } from './dataset';

export function classCounts(set: ImageSet, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < set.count; i++) {
    const label = set.labels[i];
    if (label < classes) counts[label]++;
  }
  return counts;
}
