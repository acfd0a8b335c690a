// The training curves as a PNG, rasterised here: the same layout as the SVG (plot-layout.ts),
// lines with Bresenham's algorithm, text in the 5x7 bitmap font.
import { Canvas, WHITE, BLACK, type Rgb } from './canvas';
import { drawText, drawTextVertical, textWidth, textHeight } from './font';
import type { TrainingCurves } from './plot-data';
import {
  PLOT_WIDTH,
  PLOT_HEIGHT,
  LEGEND,
  plotPanels,
  xToPixel,
  yToPixel,
  formatTick,
  tickStep,
  legendBox,
  curveStyle,
  legendEntries,
  type Panel,
} from './plot-layout';

const GRID: Rgb = [224, 224, 224];
const FRAME: Rgb = [153, 153, 153];

function drawPanel(canvas: Canvas, p: Panel): void {
  const bottom = Math.round(p.top + p.height);
  const right = Math.round(p.left + p.width);
  const titleScale = 2;
  drawText(
    canvas,
    Math.round(p.left + p.width / 2 - textWidth(p.title, titleScale) / 2),
    p.top - 22,
    p.title,
    BLACK,
    titleScale,
  );
  const ys = tickStep(p.y);
  for (const t of p.y.ticks) {
    const y = Math.round(yToPixel(p, t));
    canvas.line(p.left, y, right, y, GRID);
    const label = formatTick(t, ys);
    drawText(canvas, p.left - 6 - textWidth(label), y - 3, label, BLACK);
  }
  for (const t of p.x.ticks) {
    const x = Math.round(xToPixel(p, t));
    canvas.line(x, bottom, x, bottom + 4, BLACK);
    const label = formatTick(t, tickStep(p.x));
    drawText(canvas, x - Math.floor(textWidth(label) / 2), bottom + 8, label, BLACK);
  }
  canvas.line(p.left, bottom, right, bottom, BLACK);
  canvas.line(p.left, p.top, p.left, bottom, BLACK);
  drawText(canvas, Math.round(p.left + p.width / 2 - textWidth(p.x.label) / 2), bottom + 26, p.x.label, BLACK);
  drawTextVertical(canvas, p.left - 52, Math.round(p.top + p.height / 2 + textWidth(p.y.label) / 2), p.y.label, BLACK);
  for (const c of p.curves) {
    const { color, dash } = curveStyle(c);
    const pts = c.points.map(([x, y]) => [xToPixel(p, x), yToPixel(p, y)]);
    let phase = 0;
    for (let i = 1; i < pts.length; i++)
      phase = canvas.dashedLine(pts[i - 1][0], pts[i - 1][1], pts[i][0], pts[i][1], color, 2, dash, phase);
    for (const [x, y] of pts) canvas.fillRect(Math.round(x) - 2, Math.round(y) - 2, 5, 5, color);
  }
  const box = legendBox(p);
  const bx = Math.round(box.x);
  const by = Math.round(box.y);
  canvas.fillRect(bx, by, box.width, box.height, WHITE);
  canvas.line(bx, by, bx + box.width - 1, by, FRAME);
  canvas.line(bx, by + box.height - 1, bx + box.width - 1, by + box.height - 1, FRAME);
  canvas.line(bx, by, bx, by + box.height - 1, FRAME);
  canvas.line(bx + box.width - 1, by, bx + box.width - 1, by + box.height - 1, FRAME);
  legendEntries(p).forEach((e, i) => {
    const y = by + LEGEND.padding + i * LEGEND.row + 4;
    canvas.dashedLine(bx + 6, y, bx + 6 + LEGEND.swatch, y, e.color, 2, e.dash);
    drawText(canvas, bx + 10 + LEGEND.swatch, y - Math.floor(textHeight() / 2), e.label, BLACK);
  });
}

export function renderPlotPng(curves: TrainingCurves): Canvas {
  const canvas = new Canvas(PLOT_WIDTH, PLOT_HEIGHT, WHITE);
  for (const p of plotPanels(curves)) drawPanel(canvas, p);
  return canvas;
}
