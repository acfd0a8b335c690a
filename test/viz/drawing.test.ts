// The drawing pieces on their own: the bitmap font, grid layout, normalisation, PNG round
// trip, nice axis ticks, the metrics log reader, several runs in one figure, the choice of
// mistakes, filter tiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Canvas, BLACK, WHITE } from '../../src/viz/canvas';
import { drawText, glyphRows, textWidth, CHAR_ADVANCE, fitText } from '../../src/viz/font';
import { gridLayout, minMaxNormalise, renderGrid } from '../../src/viz/grid';
import { encodePng, decodePng } from '../../src/viz/png';
import {
  niceAxis,
  formatTick,
  plotPanels,
  legendEntries,
  curveStyle,
  RUN_COLORS,
  SERIES_DASH,
} from '../../src/viz/plot-layout';
import { parseMetrics, combineRuns } from '../../src/viz/plot-data';
import { selectMistakes, mistakeLabels } from '../../src/viz/misclassified';
import { filterTiles } from '../../src/viz/filters';

test('every printable ASCII character has its own 5x7 glyph', () => {
  const seen = new Map<string, string>();
  for (let code = 33; code < 127; code++) {
    const ch = String.fromCharCode(code);
    const rows = glyphRows(ch);
    assert.equal(rows.length, 7, ch);
    assert.ok(
      rows.some((r) => r !== 0),
      `${ch} is blank`,
    );
    assert.ok(
      rows.every((r) => r >= 0 && r < 32),
      `${ch} is wider than 5 pixels`,
    );
    const key = rows.join(',');
    assert.ok(!seen.has(key), `${ch} looks like ${seen.get(key)}`);
    seen.set(key, ch);
  }
  assert.ok(glyphRows(' ').every((r) => r === 0));
  assert.deepEqual(glyphRows('\u00e9'), glyphRows('?'), 'characters outside the font draw as ?');
});

test('text is drawn where asked and as wide as measured', () => {
  const canvas = new Canvas(40, 10, WHITE);
  drawText(canvas, 1, 1, '7>2', BLACK);
  let minX = Infinity,
    maxX = -Infinity;
  for (let y = 0; y < 10; y++)
    for (let x = 0; x < 40; x++) {
      if (canvas.getPixel(x, y)[0] === 0) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
      }
    }
  assert.equal(minX, 1);
  assert.ok(maxX <= 1 + textWidth('7>2') - 1 && maxX > 1 + 2 * CHAR_ADVANCE, `text ends at ${maxX}`);
  assert.equal(fitText('airplane', textWidth('air.')), 'air.');
  assert.equal(fitText('cat', 100), 'cat');
});

test('grid layout: tiles, gaps and label lines add up', () => {
  const l = gridLayout(6, 5, 5, { scale: 8, gap: 2 });
  assert.deepEqual([l.columns, l.rows, l.width, l.height], [3, 2, 3 * 40 + 4 * 2, 2 * 40 + 3 * 2]);
  const m = gridLayout(13, 28, 28, { columns: 12, scale: 2, gap: 4, labelLines: 2 });
  assert.deepEqual([m.columns, m.rows], [12, 2]);
  assert.equal(m.height, 2 * (56 + 2 * 9 + 1) + 3 * 4);
});

test('min-max normalisation maps to [0, 1]; constant input to the flat value', () => {
  assert.deepEqual([...minMaxNormalise([-2, 0, 2])], [0, 0.5, 1]);
  assert.deepEqual([...minMaxNormalise([3, 3], 0)], [0, 0]);
});

test('a rendered grid survives a PNG round trip pixel for pixel', () => {
  const tiles = [0, 1, 2].map((k) => ({
    width: 2,
    height: 2,
    channels: 1 as const,
    values: Float32Array.of(0, k / 2, 1, 0.25),
  }));
  const canvas = renderGrid(tiles, { columns: 3, scale: 3, gap: 1 });
  const png = decodePng(encodePng(canvas));
  assert.equal(png.width, canvas.width);
  assert.equal(png.height, canvas.height);
  for (let i = 0; i < canvas.width * canvas.height; i++) {
    assert.equal(png.data[4 * i], canvas.data[3 * i]);
    assert.equal(png.data[4 * i + 3], 255);
  }
  // The second pixel of each tile carries k/2: the tiles differ.
  const second = (k: number) => canvas.getPixel(1 + k * 7 + 3, 1)[0];
  assert.deepEqual([second(0), second(1), second(2)], [0, 128, 255]);
});

test('nice axes: ticks at 1, 2 or 5 times a power of ten covering the data', () => {
  const a = niceAxis(0, 0.93);
  assert.equal(a.min, 0);
  assert.ok(a.max >= 0.93 && a.max <= 1);
  assert.deepEqual(
    a.ticks.map((t) => formatTick(t, a.step)),
    ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0'],
  );
  const b = niceAxis(96.3, 99.2);
  assert.ok(b.min <= 96.3 && b.max >= 99.2 && b.ticks.length >= 3);
  const flat = niceAxis(5, 5);
  assert.ok(flat.min < 5 && flat.max > 5);
});

test('the metrics log: curves per series, val when present, the last record of a repeated epoch', () => {
  const lines =
    [
      { epoch: 1, trainLoss: 1, trainAccuracy: 0.5, testLoss: 0.8, testAccuracy: 0.6 },
      {
        epoch: 2,
        trainLoss: 0.5,
        trainAccuracy: 0.8,
        testLoss: 0.6,
        testAccuracy: 0.7,
        valLoss: 0.7,
        valAccuracy: 0.65,
      },
      { epoch: 2, trainLoss: 0.4, trainAccuracy: 0.9, testLoss: 0.5, testAccuracy: 0.75 },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n') + '\n';
  const c = parseMetrics(lines, 'm.jsonl');
  assert.deepEqual(c.epochs, [1, 2]);
  assert.deepEqual(
    c.loss.map((s) => s.name),
    ['train', 'test'],
  );
  assert.deepEqual(c.loss[0].points, [
    [1, 1],
    [2, 0.4],
  ]);
  assert.deepEqual(c.accuracy[1].points, [
    [1, 60],
    [2, 75],
  ]);
  assert.throws(() => parseMetrics('{"epoch": 1}\nnot json\n', 'm.jsonl'), /m\.jsonl: line 2 is not JSON/);
  assert.throws(() => parseMetrics('\n', 'm.jsonl'), /no epochs/);
});

test('a dashed line leaves its gaps, and a polyline continues the pattern across segments', () => {
  const canvas = new Canvas(30, 3, WHITE);
  const end = canvas.dashedLine(0, 1, 9, 1, BLACK, 1, [3, 2]);
  canvas.dashedLine(9, 1, 19, 1, BLACK, 1, [3, 2], end);
  const row = Array.from({ length: 20 }, (_, x) => (canvas.getPixel(x, 1)[0] === 0 ? '#' : '.')).join('');
  assert.equal(row, '###..###..###..###..');
  const solid = new Canvas(10, 1, WHITE);
  solid.line(0, 0, 9, 0, BLACK);
  assert.ok(Array.from({ length: 10 }, (_, x) => solid.getPixel(x, 0)[0]).every((v) => v === 0));
});

test('several runs in one figure: a colour per run, a line style per series, a legend of runs then styles', () => {
  const log = (loss: number) =>
    [1, 2]
      .map((epoch) =>
        JSON.stringify({ epoch, trainLoss: loss / epoch, trainAccuracy: 0.5, testLoss: loss, testAccuracy: 0.6 }),
      )
      .join('\n');
  const both = combineRuns([
    { label: 'plain56', curves: parseMetrics(log(2), 'a.jsonl') },
    { label: 'resnet56', curves: parseMetrics(log(1), 'b.jsonl') },
  ]);
  assert.deepEqual(
    both.loss.map((c) => `${c.run?.label} ${c.name}`),
    ['plain56 train', 'plain56 test', 'resnet56 train', 'resnet56 test'],
  );
  assert.deepEqual(curveStyle(both.loss[2]), { color: RUN_COLORS[1], dash: SERIES_DASH.train });
  assert.deepEqual(curveStyle(both.loss[3]).dash, [], 'test curves are solid');
  const [loss] = plotPanels(both);
  assert.deepEqual(
    legendEntries(loss).map((e) => e.label),
    ['plain56', 'resnet56', 'train', 'test'],
  );
  // One run keeps its colours per series and one legend row per curve.
  const [single] = plotPanels(parseMetrics(log(2), 'a.jsonl'));
  assert.deepEqual(
    legendEntries(single).map((e) => [e.label, e.dash.length]),
    [
      ['train', 0],
      ['test', 0],
    ],
  );
});

test('mistakes: test order, or the most confident first with --top', () => {
  const p = {
    labels: Int32Array.of(1, 2, 3, 4, 5),
    predicted: Int32Array.of(1, 7, 3, 9, 0),
    probability: Float32Array.of(0.9, 0.6, 0.99, 0.95, 0.7),
  };
  assert.deepEqual(
    selectMistakes(p).map((m) => m.index),
    [1, 3, 4],
  );
  assert.deepEqual(
    selectMistakes(p, 2).map((m) => m.index),
    [3, 4],
  );
  assert.deepEqual(mistakeLabels(selectMistakes(p)[0], ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']), [
    '2>7',
    '60%',
  ]);
  assert.deepEqual(
    mistakeLabels({ index: 0, label: 3, predicted: 5, probability: 0.5 }, ['a', 'b', 'c', 'cat', 'd', 'dog']),
    ['cat', '>dog', '50%'],
  );
});

test('filters of a later layer: one row per filter, one column per input channel', () => {
  const shape = [4, 2, 3, 3];
  const w = new Float32Array(4 * 2 * 9).map((_, i) => Math.sin(i));
  const t = filterTiles(w, shape);
  assert.equal(t.mode, 'per-input');
  assert.equal(t.tiles.length, 8);
  assert.equal(t.columns, 2);
  assert.equal(filterTiles(new Float32Array(5 * 3 * 4), [5, 3, 2, 2]).mode, 'rgb');
  assert.equal(filterTiles(w, shape, 2, 1).tiles.length, 2);
});
