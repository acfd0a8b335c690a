// The picture commands run as a user runs them, on a lenet5 checkpoint trained for one short
// epoch: cnn viz filters, cnn viz maps, cnn eval --misclassified, cnn plot. Each PNG is read
// back: its size must follow from the number of filters, maps or images, it must not be
// blank, and its cells must differ.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { runCli, tempDir } from '../cli/run-cli';
import { loadDataset } from '../../src/data/dataset';
import { buildProgram, exitCodeFor } from '../../src/cli/program';
import { UsageError } from '../../src/cli/errors';

let dir = '';
let ckpt = '';
let metrics = '';

before(() => {
  dir = tempDir('cnn-viz-');
  ckpt = path.join(dir, 'lenet5.safetensors');
  metrics = path.join(dir, 'metrics.jsonl');
  const r = runCli([
    'train',
    'lenet5',
    '--limit',
    '1000',
    '--epochs',
    '2',
    '--batch-size',
    '16',
    '--threads',
    '2',
    '--val',
    '200',
    '--out',
    ckpt,
    '--metrics',
    metrics,
  ]);
  assert.equal(r.status, 0, r.stderr);
});

function readBack(file: string): PNG {
  return PNG.sync.read(fs.readFileSync(file));
}

/** Mean and variance of the grey level of a rectangle. */
function stats(
  png: PNG,
  x0: number,
  y0: number,
  w: number,
  h: number,
): { mean: number; variance: number; values: number[] } {
  const values: number[] = [];
  for (let y = y0; y < y0 + h; y++)
    for (let x = x0; x < x0 + w; x++) {
      const i = 4 * (y * png.width + x);
      values.push((png.data[i] + png.data[i + 1] + png.data[i + 2]) / 3);
    }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, variance, values };
}

/** Pixels of the tile at grid position k (columns, tile size, gap). */
function cell(png: PNG, k: number, columns: number, tile: number, gap: number, cellHeight = tile): number[] {
  const x = gap + (k % columns) * (tile + gap);
  const y = gap + Math.floor(k / columns) * (cellHeight + gap);
  return stats(png, x, y, tile, tile).values;
}

test('viz filters: conv1 as 6 grey 5x5 kernels, conv2 as 16 rows of 6 kernels', () => {
  const out = path.join(dir, 'filters.png');
  const r = runCli(['viz', 'filters', ckpt, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /conv1 \[6x1x5x5\]: 6 grey filters/);
  const png = readBack(out);
  // 6 kernels: 3 columns x 2 rows of 5x5 pixels magnified 8 times, 2-pixel gaps.
  const tile = 5 * 8;
  assert.equal(png.width, 3 * tile + 4 * 2);
  assert.equal(png.height, 2 * tile + 3 * 2);
  assert.ok(stats(png, 0, 0, png.width, png.height).variance > 0);
  const cells = [0, 1, 2, 3, 4, 5].map((k) => cell(png, k, 3, tile, 2).join(','));
  assert.equal(new Set(cells).size, 6, 'every kernel looks different');

  const out2 = path.join(dir, 'conv2.png');
  const r2 = runCli(['viz', 'filters', ckpt, '--layer', 'conv2', '--out', out2, '--scale', '3']);
  assert.equal(r2.status, 0, r2.stderr);
  const png2 = readBack(out2);
  assert.equal(png2.width, 6 * 15 + 7 * 2);
  assert.equal(png2.height, 16 * 15 + 17 * 2);
  assert.notEqual(cell(png2, 0, 6, 15, 2).join(','), cell(png2, 6, 6, 15, 2).join(','));
});

test('viz maps test:N draws the input and both conv layers; a PNG of the same digit, black on white, is predicted the same', () => {
  const out = path.join(dir, 'maps.png');
  const r = runCli(['viz', 'maps', ckpt, 'test:3', '--out', out, '--threads', '2']);
  assert.equal(r.status, 0, r.stderr);
  const m = /test:3 \(label (\d)\): predicted (\d) \((\d+\.\d)%\)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.match(r.stdout, /the maps of 2 conv layers/);
  const png = readBack(out);
  // Sections: input (1 tile 28x28 x2), conv1 (6 maps 28x28 x2 in one row), conv2 (16 maps
  // 10x10 x6 in 8 columns, 2 rows), each under a 14-pixel title; 2-pixel gaps.
  const grid = (n: number, cols: number, size: number) => [
    cols * size + (cols + 1) * 2,
    Math.ceil(n / cols) * size + (Math.ceil(n / cols) + 1) * 2,
  ];
  const sections = [grid(1, 1, 56), grid(6, 6, 56), grid(16, 8, 60)];
  assert.equal(png.width, Math.max(...sections.map((s) => s[0])));
  assert.equal(
    png.height,
    sections.reduce((a, s) => a + 14 + s[1], 0),
  );
  const conv1Top = 14 + sections[0][1] + 14;
  const maps = [0, 1, 2, 3, 4, 5].map((k) => stats(png, 2 + k * 58, conv1Top + 2, 56, 56));
  assert.ok(
    maps.some((s) => s.variance > 0),
    'conv1 maps are not blank',
  );
  assert.ok(new Set(maps.map((s) => s.values.join(','))).size > 1, 'conv1 maps differ');

  // The same test image as a black-on-white 56x56 PNG: inverted and shrunk back to it.
  const mnist = loadDataset('mnist');
  const digit = new PNG({ width: 56, height: 56 });
  for (let y = 0; y < 56; y++)
    for (let x = 0; x < 56; x++) {
      const v = 255 - mnist.test.images[3 * 784 + (y >> 1) * 28 + (x >> 1)];
      const i = 4 * (y * 56 + x);
      digit.data[i] = digit.data[i + 1] = digit.data[i + 2] = v;
      digit.data[i + 3] = 255;
    }
  const file = path.join(dir, 'digit.png');
  fs.writeFileSync(file, PNG.sync.write(digit));
  const f = runCli(['viz', 'maps', ckpt, file, '--out', path.join(dir, 'maps-file.png')]);
  assert.equal(f.status, 0, f.stderr);
  // cnn predict's conversion (src/image) re-frames the digit by its ink, so only the class must agree.
  assert.match(f.stdout, /digit\.png: 56x56 converted to grey, inverted/);
  assert.match(f.stdout, new RegExp(`digit\\.png: predicted ${m![2]} \\(`));
});

test('eval --misclassified --top 12 draws the 12 most confident mistakes with their labels', () => {
  const out = path.join(dir, 'mistakes.png');
  const r = runCli(['eval', ckpt, '--misclassified', out, '--top', '12', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  const wrong = Math.round((1 - result.accuracy) * 10000);
  assert.ok(wrong >= 12, `${wrong} mistakes`);
  assert.match(r.stderr, new RegExp(`wrote 12 most confident of ${wrong} misclassified images`));
  const png = readBack(out);
  // 12 digits in one row: 28x28 magnified twice, 4-pixel gaps, two 9-pixel label lines and 1 pixel under each.
  const cellHeight = 56 + 2 * 9 + 1;
  assert.equal(png.width, 12 * 56 + 13 * 4);
  assert.equal(png.height, cellHeight + 2 * 4);
  const digits = Array.from({ length: 12 }, (_, k) => cell(png, k, 12, 56, 4, cellHeight));
  assert.ok(
    digits.every((d) => new Set(d).size > 1),
    'no digit is blank',
  );
  assert.equal(new Set(digits.map((d) => d.join(','))).size, 12, 'twelve different images');
  const labels = stats(png, 4, 4 + 56 + 1, 56, 2 * 9);
  assert.ok(
    labels.values.some((v) => v < 128),
    'labels are drawn under the digits',
  );
});

test('plot draws loss and accuracy curves as PNG and as SVG', () => {
  const png = path.join(dir, 'curves.png');
  const r = runCli(['plot', metrics, '--out', png]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote 2 epochs \(train, val, test\)/);
  const p = readBack(png);
  assert.deepEqual([p.width, p.height], [900, 340]);
  const left = stats(p, 0, 0, 450, 340);
  const right = stats(p, 450, 0, 450, 340);
  assert.ok(left.variance > 0 && right.variance > 0);
  // The three series' colours are on the picture.
  const has = (c: number[]) => {
    for (let i = 0; i < p.data.length; i += 4)
      if (p.data[i] === c[0] && p.data[i + 1] === c[1] && p.data[i + 2] === c[2]) return true;
    return false;
  };
  for (const c of [
    [31, 119, 180],
    [44, 160, 44],
    [214, 39, 40],
  ])
    assert.ok(has(c), `colour ${c}`);

  const svgFile = path.join(dir, 'curves.svg');
  assert.equal(runCli(['plot', metrics, '--out', svgFile]).status, 0);
  const svg = fs.readFileSync(svgFile, 'utf8');
  assert.match(svg, /^<svg [^>]*width="900" height="340"/);
  const polylines = [...svg.matchAll(/<polyline class="(\w+)"[^>]* points="([^"]+)"/g)];
  assert.equal(polylines.length, 6, 'train, val and test in both panels');
  for (const [, , points] of polylines) assert.equal(points.trim().split(' ').length, 2, 'one point per epoch');
  for (const label of [
    '>loss<',
    '>accuracy<',
    '>epoch<',
    '>cross-entropy<',
    '>accuracy (%)<',
    '>train<',
    '>val<',
    '>test<',
  ]) {
    assert.ok(svg.includes(label), `the SVG has the text ${label}`);
  }
});

test('plot compares several runs in one figure, named by --labels', () => {
  // A second run: the same log with every loss halved.
  const other = path.join(dir, 'other.jsonl');
  const halved = fs
    .readFileSync(metrics, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const r = JSON.parse(line);
      for (const k of ['trainLoss', 'valLoss', 'testLoss']) if (typeof r[k] === 'number') r[k] /= 2;
      return JSON.stringify(r);
    });
  fs.writeFileSync(other, halved.join('\n') + '\n');
  const svgFile = path.join(dir, 'runs.svg');
  const r = runCli(['plot', metrics, other, '--labels', 'first,second', '--out', svgFile]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote 2 epochs \(train, val, test\) of 2 runs \(first, second\)/);
  const svg = fs.readFileSync(svgFile, 'utf8');
  const polylines = [
    ...svg.matchAll(
      /<polyline class="(\w+)" data-run="(\w+)" fill="none" stroke="(#\w+)"[^>]*?( stroke-dasharray="[^"]+")? points=/g,
    ),
  ];
  assert.equal(polylines.length, 12, 'three series of two runs in both panels');
  const colour = (run: string) => new Set(polylines.filter((m) => m[2] === run).map((m) => m[3]));
  assert.equal(colour('first').size, 1);
  assert.equal(colour('second').size, 1);
  assert.notDeepEqual([...colour('first')], [...colour('second')], 'each run has its own colour');
  for (const m of polylines)
    assert.equal(m[4] === undefined, m[1] === 'test', `${m[1]} of ${m[2]}: only test curves are solid`);
  for (const label of ['>first<', '>second<', '>train<', '>val<', '>test<'])
    assert.ok(svg.includes(label), `the legend has ${label}`);

  const png = path.join(dir, 'runs.png');
  assert.equal(runCli(['plot', metrics, other, '--out', png]).status, 0);
  const p = readBack(png);
  assert.deepEqual([p.width, p.height], [900, 340]);
  const has = (c: number[]) => {
    for (let i = 0; i < p.data.length; i += 4)
      if (p.data[i] === c[0] && p.data[i + 1] === c[1] && p.data[i + 2] === c[2]) return true;
    return false;
  };
  for (const c of [
    [31, 119, 180],
    [255, 127, 14],
  ])
    assert.ok(has(c), `run colour ${c}`);

  const wrong = runCli(['plot', metrics, other, '--labels', 'only-one', '--out', png]);
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /--labels "only-one": give one non-empty name per metrics file \(2 files\)/);
});

test('errors: unknown layer, a layer that is not conv, missing checkpoint, test:N out of range, bad --out extension', () => {
  // A --layer that names no conv layer is a bad option value: a usage error.
  const unknown = runCli(['viz', 'filters', ckpt, '--layer', 'conv9', '--out', path.join(dir, 'x.png')]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /has no layer "conv9" \(--layer\)\. Conv layers: conv1, conv2/);
  const dense = runCli(['viz', 'filters', ckpt, '--layer', 'fc1', '--out', path.join(dir, 'x.png')]);
  assert.equal(dense.status, 2);
  assert.match(dense.stderr, /"fc1" .* is a dense layer, not a conv layer/);
  const missing = path.join(dir, 'nope.safetensors');
  const gone = runCli(['viz', 'filters', missing, '--out', path.join(dir, 'x.png')]);
  assert.equal(gone.status, 1);
  assert.match(gone.stderr, /nope\.safetensors/);
  const range = runCli(['viz', 'maps', ckpt, 'test:10000', '--out', path.join(dir, 'x.png')]);
  assert.equal(range.status, 1);
  assert.match(range.stderr, /test:10000: the test set has 10000 images/);
  assert.ok(!fs.existsSync(path.join(dir, 'x.png')));
});

test('usage errors before any work, in process: a bad --out extension, --top alone, a bad test:N', async () => {
  const usage = async (args: string[], pattern: RegExp) => {
    const program = buildProgram();
    await assert.rejects(
      program.parseAsync(['node', 'cnn', ...args]),
      (e: Error) => e instanceof UsageError && pattern.test(e.message),
      args.join(' '),
    );
  };
  assert.equal(exitCodeFor(new UsageError('')), 2, 'usage errors exit with status 2');
  // The checkpoint does not exist: the usage error must come before it is read.
  const missing = path.join(dir, 'missing.safetensors');
  await usage(
    ['viz', 'filters', missing, '--out', path.join(dir, 'x.jpg')],
    /--out .*x\.jpg: the file name must end in \.png/,
  );
  await usage(['viz', 'maps', missing, 'test:0', '--out', path.join(dir, 'x.gif')], /must end in \.png/);
  await usage(['eval', missing, '--misclassified', path.join(dir, 'x.svg')], /--misclassified .*must end in \.png/);
  await usage(
    ['plot', path.join(dir, 'missing.jsonl'), '--out', path.join(dir, 'x.pdf')],
    /must end in \.png or \.svg/,
  );
  await usage(['eval', missing, '--top', '5'], /--top needs --misclassified/);
  await usage(
    ['viz', 'maps', missing, 'test:first', '--out', path.join(dir, 'x.png')],
    /IMAGE test:first: write test:N/,
  );
  assert.ok(!fs.existsSync(path.join(dir, 'x.png')));
});
