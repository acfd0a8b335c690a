// Evaluation over a whole image set: mean loss, accuracy, per-class accuracy and the
// confusion matrix (rows: true class, columns: predicted class).
import type { Batcher } from '../data/batcher';
import type { Runtime } from './runtime';

export interface EvalResult {
  count: number;
  loss: number;
  accuracy: number;
  perClass: number[];
  confusion: number[][];
  /** With keepPredictions: per image, its label, the predicted class and that class's probability. */
  predictions?: { labels: Int32Array; predicted: Int32Array; probability: Float32Array };
}

export interface EvalOptions {
  /** Keep every image's prediction (for `cnn eval --misclassified`). */
  keepPredictions?: boolean;
  /** Evaluate only images [start, start + n) of the set (a rank's share under --distributed). */
  part?: { start: number; n: number };
}

/** The result for `count` images from their summed loss, correct count and confusion matrix. */
export function resultFromSums(count: number, lossSum: number, correct: number, confusion: number[][]): EvalResult {
  const perClass = confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total > 0 ? row[i] / total : NaN;
  });
  return {
    count,
    loss: count > 0 ? lossSum / count : NaN,
    accuracy: count > 0 ? correct / count : NaN,
    perClass,
    confusion,
  };
}

export async function evaluateSet(
  runtime: Runtime,
  batcher: Batcher,
  count: number,
  batchSize: number,
  options: EvalOptions = {},
): Promise<EvalResult> {
  const { plan, net } = runtime;
  const k = plan.classes;
  const [c, h, w] = plan.input;
  const n = Math.min(batchSize, runtime.maxBatch);
  const x = new Float32Array(n * c * h * w);
  const y = new Int32Array(n);
  const probs = new Float32Array(n * k);
  const first = options.part?.start ?? 0;
  const total = options.part?.n ?? count;
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = first + i;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let lossSum = 0;
  let correct = 0;
  const kept = options.keepPredictions
    ? { labels: new Int32Array(total), predicted: new Int32Array(total), probability: new Float32Array(total) }
    : undefined;
  for (let start = 0; start < total; start += n) {
    const m = Math.min(n, total - start);
    const xs = m === n ? x : x.subarray(0, m * c * h * w);
    const ys = m === n ? y : y.subarray(0, m);
    const ps = m === n ? probs : probs.subarray(0, m * k);
    batcher.fill(order, start, m, xs, ys);
    const r = await net.evaluate(xs, ys, m, ps);
    lossSum += r.loss * m;
    correct += r.correct;
    for (let i = 0; i < m; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (ps[i * k + j] > ps[i * k + best]) best = j;
      confusion[ys[i]][best]++;
      if (kept) {
        kept.labels[start + i] = ys[i];
        kept.predicted[start + i] = best;
        kept.probability[start + i] = ps[i * k + best];
      }
    }
  }
  const result = resultFromSums(total, lossSum, correct, confusion);
  if (kept) result.predictions = kept;
  return result;
}
