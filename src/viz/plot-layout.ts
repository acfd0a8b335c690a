// Where everything of the training-curve figure goes, shared by the SVG writer and the PNG
// rasteriser so the two pictures agree: two panels side by side (loss, accuracy), each with
// axes, "nice" ticks (1, 2 or 5 times a power of ten), one polyline per curve with a marker
// at every epoch, and a legend. One run: a colour per series (train, val, test). Several runs
// (cnn plot A.jsonl B.jsonl): a colour per run and a line style per series, as in He et al.'s
// figures (train dashed, test solid), with a legend naming the runs and the styles.
import type { Curve, SeriesName, TrainingCurves } from './plot-data';
import type { Rgb } from './canvas';

export const PLOT_WIDTH = 900;
export const PLOT_HEIGHT = 340;
export const PANEL_WIDTH = PLOT_WIDTH / 2;
export const MARGIN = { left: 62, right: 16, top: 30, bottom: 44 };

export const SERIES_COLORS: Record<SeriesName, Rgb> = {
  train: [31, 119, 180],
  val: [44, 160, 44],
  test: [214, 39, 40],
};

/** Colours of the runs when several share a figure (matplotlib's tab10 order). */
export const RUN_COLORS: Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

const LEGEND_GREY: Rgb = [80, 80, 80];

/** Dash pattern in pixels (on, off, ...); empty for a solid line. */
export type Dash = number[];

/** In a comparison of runs the series differ by line style: test solid, train dashed, val dotted. */
export const SERIES_DASH: Record<SeriesName, Dash> = {
  test: [],
  train: [6, 4],
  val: [2, 3],
};

export interface CurveStyle {
  color: Rgb;
  dash: Dash;
}

export function curveStyle(c: Curve): CurveStyle {
  if (c.run === undefined) return { color: SERIES_COLORS[c.name], dash: [] };
  return { color: RUN_COLORS[c.run.index % RUN_COLORS.length], dash: SERIES_DASH[c.name] };
}

export interface LegendEntry extends CurveStyle {
  label: string;
}

/** One row per curve for one run; for several runs, one row per run (its colour) and one per series (its line style). */
export function legendEntries(p: Panel): LegendEntry[] {
  const runs = new Map<number, string>();
  for (const c of p.curves) if (c.run !== undefined) runs.set(c.run.index, c.run.label);
  if (runs.size === 0) return p.curves.map((c) => ({ label: c.name, ...curveStyle(c) }));
  const entries: LegendEntry[] = [...runs]
    .sort((a, b) => a[0] - b[0])
    .map(([index, label]) => ({ label, color: RUN_COLORS[index % RUN_COLORS.length], dash: [] }));
  const series = [...new Set(p.curves.map((c) => c.name))];
  for (const name of series) entries.push({ label: name, color: LEGEND_GREY, dash: SERIES_DASH[name] });
  return entries;
}

export interface Axis {
  min: number;
  max: number;
  ticks: number[];
  label: string;
}

export interface Panel {
  title: string;
  /** The plotting area in picture pixels. */
  left: number;
  top: number;
  width: number;
  height: number;
  x: Axis;
  y: Axis;
  curves: Curve[];
  /** Where the legend sits: the corner the curves usually leave free. */
  legend: 'top-right' | 'bottom-right';
}

/** Ticks at 1, 2 or 5 x 10^k covering [min, max], about `count` of them; the range widened to whole ticks. */
export function niceAxis(
  min: number,
  max: number,
  count = 5,
): { min: number; max: number; step: number; ticks: number[] } {
  if (!(max > min)) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { min: lo, max: hi, step, ticks };
}

/** Tick labels with no more decimals than the step needs. */
export function formatTick(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(Math.min(decimals, 6));
}

function epochAxis(epochs: number[]): Axis {
  const first = epochs[0];
  const last = epochs[epochs.length - 1];
  if (first === last) return { min: first - 1, max: last + 1, ticks: [first], label: 'epoch' };
  const a = niceAxis(first, last, Math.min(10, last - first));
  const step = Math.max(1, a.step);
  const ticks: number[] = [];
  for (let v = Math.ceil(first / step) * step; v <= last; v += step) ticks.push(v);
  return { min: first, max: last, ticks, label: 'epoch' };
}

function valueRange(curves: Curve[]): [number, number] {
  // A loop, not Math.min(...values): a log of 200,000 epochs would overflow the call stack as arguments.
  let min = Infinity;
  let max = -Infinity;
  for (const c of curves) {
    for (const [, v] of c.points) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return [min, max];
}

export function plotPanels(curves: TrainingCurves): Panel[] {
  const x = epochAxis(curves.epochs);
  const area = (i: number) => ({
    left: i * PANEL_WIDTH + MARGIN.left,
    top: MARGIN.top,
    width: PANEL_WIDTH - MARGIN.left - MARGIN.right,
    height: PLOT_HEIGHT - MARGIN.top - MARGIN.bottom,
  });
  const panels: Panel[] = [];
  if (curves.loss.length > 0) {
    const [, hi] = valueRange(curves.loss);
    const y = niceAxis(0, hi);
    panels.push({
      title: 'loss',
      ...area(0),
      x,
      y: { min: y.min, max: y.max, ticks: y.ticks, label: 'cross-entropy' },
      curves: curves.loss,
      legend: 'top-right',
    });
  }
  if (curves.accuracy.length > 0) {
    const [lo, hi] = valueRange(curves.accuracy);
    const y = niceAxis(Math.max(0, lo), Math.min(100, hi));
    const max = Math.min(100, y.max);
    panels.push({
      title: 'accuracy',
      ...area(1),
      x,
      y: { min: y.min, max, ticks: y.ticks.filter((t) => t <= max), label: 'accuracy (%)' },
      curves: curves.accuracy,
      legend: 'bottom-right',
    });
  }
  return panels;
}

export function xToPixel(p: Panel, x: number): number {
  return p.left + ((x - p.x.min) / (p.x.max - p.x.min)) * p.width;
}

export function yToPixel(p: Panel, y: number): number {
  return p.top + p.height - ((y - p.y.min) / (p.y.max - p.y.min)) * p.height;
}

export function tickStep(axis: Axis): number {
  return axis.ticks.length > 1 ? axis.ticks[1] - axis.ticks[0] : 1;
}

/** Legend rows: top-left corner of the legend box and its size. */
export const LEGEND = { row: 14, swatch: 18, width: 70, padding: 6, charWidth: 6 };

export function legendBox(p: Panel): { x: number; y: number; width: number; height: number } {
  const entries = legendEntries(p);
  const height = entries.length * LEGEND.row + LEGEND.padding * 2 - 4;
  // Wide enough for the longest label (run names can be long), at the bitmap font's 6 pixels a character.
  const longest = Math.max(...entries.map((e) => e.label.length));
  const width = Math.max(LEGEND.width, LEGEND.swatch + 16 + longest * LEGEND.charWidth);
  const x = p.left + p.width - width - 8;
  const y = p.legend === 'top-right' ? p.top + 8 : p.top + p.height - height - 8;
  return { x, y, width, height };
}
