// --class-weights: the weight of each class in the training loss (torch's
// CrossEntropyLoss(weight=...)). "balanced" gives each class N / (K * count), scikit-learn's
// rule, over the training images actually used (after --limit, --labels and the validation
// split): every class then weighs as much in the loss as if all were equally frequent. K
// counts the classes that have images; a class without any gets weight 0 (it never appears
// as a label). A list gives the weights directly.
export const BALANCED = 'balanced';

export class ClassWeightsError extends Error {}

/** Training-image count per class (labels in [0, classes)). */
export function classCounts(labels: ArrayLike<number>, count: number, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < count; i++) counts[labels[i]]++;
  return counts;
}

export function balancedWeights(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? total / (present * c) : 0));
}

/** The --class-weights value resolved against the model's class count and the training counts. */
export function resolveClassWeights(option: string, classes: number, counts: readonly number[]): number[] {
  if (option.trim() === BALANCED) return balancedWeights(counts);
  const parts = option.split(',').map((s) => s.trim());
  const weights = parts.map(Number);
  if (parts.some((p) => p === '') || weights.some((w) => !Number.isFinite(w) || w < 0)) {
    throw new ClassWeightsError(
      `--class-weights ${option}: give "balanced" or ${classes} comma-separated numbers, each 0 or more`,
    );
  }
  if (weights.length !== classes) {
    throw new ClassWeightsError(
      `--class-weights: ${weights.length} weights for ${classes} classes; give one per class (or "balanced")`,
    );
  }
  if (!weights.some((w, i) => w > 0 && counts[i] > 0)) {
    throw new ClassWeightsError(
      '--class-weights: every class that has training images has weight 0; nothing would be learnt',
    );
  }
  return weights;
}
