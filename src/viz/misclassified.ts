// The lectures' "all the misclassified digits" figure: every test image the network got
// wrong, in test-set order (or the N most confident mistakes first), with the true and the
// predicted class and the predicted class's probability under each.
import { imageAt } from '../data/stored-images';
import type { ImageSet } from '../data/dataset';
import type { Canvas } from './canvas';
import { renderGrid, gridLayout, scaleFor, nearSquareColumns, type GridLayout, type Tile } from './grid';

export interface Mistake {
  /** Index in the test set. */
  index: number;
  label: number;
  predicted: number;
  /** Probability of the predicted class. */
  probability: number;
}

/** Per-image predictions over a test set (see evaluateSet's keepPredictions). */
export interface Predictions {
  labels: Int32Array;
  predicted: Int32Array;
  probability: Float32Array;
}

/** Largest number of images drawn when --top is not given. */
export const DEFAULT_MAX_MISTAKES = 500;
export const MAX_COLUMNS = 12;

/** The mistakes in test order, or the `top` most confident ones (highest predicted probability first). */
export function selectMistakes(p: Predictions, top?: number): Mistake[] {
  const all: Mistake[] = [];
  for (let i = 0; i < p.labels.length; i++) {
    if (p.predicted[i] !== p.labels[i])
      all.push({ index: i, label: p.labels[i], predicted: p.predicted[i], probability: p.probability[i] });
  }
  if (top === undefined) return all;
  return all.sort((a, b) => b.probability - a.probability || a.index - b.index).slice(0, top);
}

export function imageTile(set: ImageSet, index: number): Tile {
  const [c, h, w] = set.shape;
  const bytes = imageAt(set, index);
  const channels = c === 3 ? 3 : 1;
  const values = new Float32Array(channels * h * w);
  for (let i = 0; i < values.length; i++) values[i] = bytes[i] / 255;
  return { width: w, height: h, channels, values };
}

/** Digits and other one-character class names fit "7>2"; longer names take a line each. */
export function mistakeLabels(m: Mistake, classNames: string[]): string[] {
  const name = (k: number) => classNames[k] ?? String(k);
  const percent = `${Math.round(100 * m.probability)}%`;
  const short = name(m.label).length === 1 && name(m.predicted).length === 1;
  return short ? [`${name(m.label)}>${name(m.predicted)}`, percent] : [name(m.label), `>${name(m.predicted)}`, percent];
}

export function mistakeColumns(count: number): number {
  return count > MAX_COLUMNS * MAX_COLUMNS ? nearSquareColumns(count) : Math.min(count, MAX_COLUMNS);
}

export function misclassifiedLayout(count: number, set: ImageSet, labelLines: number): GridLayout {
  const [, h, w] = set.shape;
  return gridLayout(count, w, h, {
    columns: mistakeColumns(count),
    scale: scaleFor(Math.max(h, w), 56),
    gap: 4,
    labelLines,
  });
}

export function renderMisclassified(set: ImageSet, mistakes: Mistake[], classNames: string[]): Canvas {
  if (mistakes.length === 0) throw new Error('no misclassified images to draw');
  const labels = mistakes.map((m) => mistakeLabels(m, classNames));
  const lines = Math.max(...labels.map((l) => l.length));
  const layout = misclassifiedLayout(mistakes.length, set, lines);
  const w = set.shape[2];
  return renderGrid(
    mistakes.map((m) => imageTile(set, m.index)),
    { columns: layout.columns, scale: layout.tileWidth / w, gap: layout.gap, labelLines: lines },
    labels,
  );
}
