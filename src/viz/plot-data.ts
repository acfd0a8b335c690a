// The training curves `cnn plot` draws, read from the metrics log `cnn train --metrics`
// writes (one JSON object per epoch; see src/train/metrics.ts). A log that a run appended to
// twice (a resumed run repeats no epoch; a new run into the same file starts again at 1)
// keeps the last record of each epoch. Several logs (runs to compare) combine into one set of
// curves whose every curve names its run.
import * as fs from 'node:fs';
import { fsErrorMessage } from '../io/fs-errors';

export type SeriesName = 'train' | 'val' | 'test';

export interface Curve {
  name: SeriesName;
  /** [epoch, value] pairs in epoch order. */
  points: Array<[number, number]>;
  /** Set when several runs share the figure: which run (its label and position) this curve is from. */
  run?: { label: string; index: number };
}

export interface TrainingCurves {
  epochs: number[];
  loss: Curve[];
  /** Accuracies in percent. */
  accuracy: Curve[];
}

const FIELDS: Array<{ name: SeriesName; loss: string; accuracy: string }> = [
  { name: 'train', loss: 'trainLoss', accuracy: 'trainAccuracy' },
  { name: 'val', loss: 'valLoss', accuracy: 'valAccuracy' },
  { name: 'test', loss: 'testLoss', accuracy: 'testAccuracy' },
];

export function parseMetrics(text: string, file: string): TrainingCurves {
  const byEpoch = new Map<number, Record<string, unknown>>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new Error(
        `${file}: line ${i + 1} is not JSON; a metrics log has one JSON object per line, as "cnn train --metrics FILE" writes it`,
      );
    }
    const epoch = (record as { epoch?: unknown } | null)?.epoch;
    if (typeof epoch !== 'number' || !Number.isFinite(epoch))
      throw new Error(`${file}: line ${i + 1} has no numeric "epoch" field`);
    byEpoch.set(epoch, record as Record<string, unknown>);
  });
  if (byEpoch.size === 0) throw new Error(`${file}: no epochs in the metrics log (it is empty)`);
  const epochs = [...byEpoch.keys()].sort((a, b) => a - b);
  const curve = (name: SeriesName, field: string, factor: number): Curve | null => {
    const points: Array<[number, number]> = [];
    for (const e of epochs) {
      const v = byEpoch.get(e)![field];
      if (typeof v === 'number' && Number.isFinite(v)) points.push([e, v * factor]);
    }
    return points.length > 0 ? { name, points } : null;
  };
  const loss = FIELDS.map((f) => curve(f.name, f.loss, 1)).filter((c): c is Curve => c !== null);
  const accuracy = FIELDS.map((f) => curve(f.name, f.accuracy, 100)).filter((c): c is Curve => c !== null);
  if (loss.length === 0 && accuracy.length === 0) {
    throw new Error(
      `${file}: no loss or accuracy fields (trainLoss, testLoss, trainAccuracy, testAccuracy, ...) in the metrics log`,
    );
  }
  return { epochs, loss, accuracy };
}

/**
 * The largest metrics log read: far above any real run's (an epoch's line is a few hundred
 * bytes), and small enough that parsing it stays well inside memory.
 */
export const MAX_METRICS_BYTES = 64 * 1024 * 1024;

export function readMetrics(file: string): TrainingCurves {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() && !stat.isDirectory())
      throw new Error(`${file} is not a regular file: give the metrics log that cnn train --metrics wrote`);
    if (stat.size > MAX_METRICS_BYTES) {
      throw new Error(
        `${file} has ${stat.size.toLocaleString('en-US')} bytes, more than a metrics log can have ` +
          `(at most ${MAX_METRICS_BYTES / 1024 / 1024} MB): is it the file that cnn train --metrics wrote?`,
      );
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof Error && !('code' in e)) throw e;
    throw new Error(fsErrorMessage('cannot read', file, e));
  }
  return parseMetrics(text, file);
}

/** One figure's curves for several runs: every curve keeps its series and names its run. */
export function combineRuns(runs: Array<{ label: string; curves: TrainingCurves }>): TrainingCurves {
  const tag =
    (label: string, index: number) =>
    (c: Curve): Curve => ({ ...c, run: { label, index } });
  const epochs = [...new Set(runs.flatMap((r) => r.curves.epochs))].sort((a, b) => a - b);
  return {
    epochs,
    loss: runs.flatMap((r, i) => r.curves.loss.map(tag(r.label, i))),
    accuracy: runs.flatMap((r, i) => r.curves.accuracy.map(tag(r.label, i))),
  };
}
