// The training curves as SVG: real text, axes and one <polyline> per curve.
import type { Rgb } from './canvas';
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
  type Dash,
  type Panel,
} from './plot-layout';

const hex = (c: Rgb) => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
const num = (v: number) => Number(v.toFixed(2)).toString();
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const dashAttr = (dash: Dash) => (dash.length > 0 ? ` stroke-dasharray="${dash.join(' ')}"` : '');

function panelSvg(p: Panel): string[] {
  const out: string[] = [];
  const bottom = p.top + p.height;
  out.push(`<g class="panel" id="${p.title}">`);
  out.push(
    `<text x="${num(p.left + p.width / 2)}" y="${num(p.top - 10)}" text-anchor="middle" font-size="14" font-weight="bold">${esc(p.title)}</text>`,
  );
  // Grid lines and ticks.
  const ys = tickStep(p.y);
  for (const t of p.y.ticks) {
    const y = num(yToPixel(p, t));
    out.push(`<line x1="${p.left}" y1="${y}" x2="${p.left + p.width}" y2="${y}" stroke="#e0e0e0"/>`);
    out.push(
      `<text x="${p.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${formatTick(t, ys)}</text>`,
    );
  }
  for (const t of p.x.ticks) {
    const x = num(xToPixel(p, t));
    out.push(`<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 4}" stroke="#000"/>`);
    out.push(
      `<text x="${x}" y="${bottom + 16}" text-anchor="middle" font-size="11">${formatTick(t, tickStep(p.x))}</text>`,
    );
  }
  out.push(`<line class="axis" x1="${p.left}" y1="${bottom}" x2="${p.left + p.width}" y2="${bottom}" stroke="#000"/>`);
  out.push(`<line class="axis" x1="${p.left}" y1="${p.top}" x2="${p.left}" y2="${bottom}" stroke="#000"/>`);
  out.push(
    `<text x="${num(p.left + p.width / 2)}" y="${bottom + 34}" text-anchor="middle" font-size="12">${esc(p.x.label)}</text>`,
  );
  const ly = num(p.top + p.height / 2);
  out.push(
    `<text x="${p.left - 46}" y="${ly}" text-anchor="middle" font-size="12" transform="rotate(-90 ${p.left - 46} ${ly})">${esc(p.y.label)}</text>`,
  );
  for (const c of p.curves) {
    const style = curveStyle(c);
    const color = hex(style.color);
    const points = c.points.map(([x, y]) => `${num(xToPixel(p, x))},${num(yToPixel(p, y))}`).join(' ');
    const run = c.run === undefined ? '' : ` data-run="${esc(c.run.label)}"`;
    out.push(
      `<polyline class="${c.name}"${run} fill="none" stroke="${color}" stroke-width="2"${dashAttr(style.dash)} points="${points}"/>`,
    );
    for (const [x, y] of c.points)
      out.push(`<circle cx="${num(xToPixel(p, x))}" cy="${num(yToPixel(p, y))}" r="2.5" fill="${color}"/>`);
  }
  const box = legendBox(p);
  out.push(
    `<rect x="${num(box.x)}" y="${num(box.y)}" width="${box.width}" height="${box.height}" fill="#fff" stroke="#999"/>`,
  );
  legendEntries(p).forEach((e, i) => {
    const y = box.y + LEGEND.padding + i * LEGEND.row + 4;
    out.push(
      `<line x1="${num(box.x + 6)}" y1="${num(y)}" x2="${num(box.x + 6 + LEGEND.swatch)}" y2="${num(y)}" stroke="${hex(e.color)}" stroke-width="2"${dashAttr(e.dash)}/>`,
    );
    out.push(
      `<text x="${num(box.x + 10 + LEGEND.swatch)}" y="${num(y)}" dominant-baseline="middle" font-size="11">${esc(e.label)}</text>`,
    );
  });
  out.push('</g>');
  return out;
}

export function renderPlotSvg(curves: TrainingCurves): string {
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PLOT_WIDTH}" height="${PLOT_HEIGHT}" viewBox="0 0 ${PLOT_WIDTH} ${PLOT_HEIGHT}" font-family="sans-serif">`,
    `<rect width="${PLOT_WIDTH}" height="${PLOT_HEIGHT}" fill="#fff"/>`,
    ...plotPanels(curves).flatMap(panelSvg),
    '</svg>',
  ];
  return lines.join('\n') + '\n';
}
