// A metrics log of 200,000 epochs plots like a short one: no step of parsing, scaling or
// drawing may pass one argument per epoch (Math.min(...values) overflowed the call stack).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseMetrics } from '../../src/viz/plot-data';
import { renderPlotPng } from '../../src/viz/plot-png';
import { renderPlotSvg } from '../../src/viz/plot-svg';

test('a 200,000-line metrics log parses and draws as PNG and SVG', () => {
  const lines: string[] = [];
  for (let e = 1; e <= 200000; e++)
    lines.push(JSON.stringify({ epoch: e, trainLoss: 1 / e, testAccuracy: 0.5 + e / 1e6 }));
  const curves = parseMetrics(lines.join('\n'), 'huge.jsonl');
  assert.equal(curves.epochs.length, 200000);
  const png = renderPlotPng(curves);
  assert.ok(png.width > 0 && png.height > 0);
  assert.match(renderPlotSvg(curves), /^<svg/);
});
