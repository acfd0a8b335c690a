// The image pipeline of `cnn predict`: decoding (PNG of several colour types and depths,
// JPEG), resampling, and the conversion to a dataset's look (grey, inversion, framing).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { decodeImage, ImageError, type RgbImage } from '../../src/image/decode';
import { resizePlanes, type Planes } from '../../src/image/resize';
import { borderMean, prepareImage, toPlanes } from '../../src/image/convert';
import { imageConvention } from '../../src/image/conventions';

function pngBytes(
  width: number,
  height: number,
  rgba: (x: number, y: number) => number[],
  options: { colorType?: 0 | 2 | 4 | 6; bitDepth?: 8 | 16 } = {},
): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) png.data.set(rgba(x, y), (y * width + x) * 4);
  return PNG.sync.write(png, options);
}

test('PNG decodes for grey, RGB and RGBA colour types; transparency lands on white', async () => {
  const pattern = (x: number, y: number) => [x * 40, y * 60, 100, 255];
  const rgb = await decodeImage(pngBytes(4, 3, pattern, { colorType: 2 }), 'rgb.png');
  assert.equal(rgb.width, 4);
  assert.equal(rgb.height, 3);
  assert.deepEqual([...rgb.rgb.subarray((2 * 4 + 3) * 3, (2 * 4 + 3) * 3 + 3)], [120, 120, 100]);
  const grey = await decodeImage(
    pngBytes(2, 2, () => [77, 77, 77, 255], { colorType: 0 }),
    'grey.png',
  );
  assert.deepEqual([...grey.rgb], new Array(12).fill(77));
  const halfTransparentBlack = await decodeImage(
    pngBytes(1, 1, () => [0, 0, 0, 128], { colorType: 6 }),
    'alpha.png',
  );
  assert.deepEqual([...halfTransparentBlack.rgb], [127, 127, 127]);
});

test('JPEG decodes close to what was encoded', async () => {
  const width = 16,
    height = 16;
  const data = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([200, 40, 40, 255], p * 4);
  const image = await decodeImage(jpeg.encode({ data, width, height }, 95).data, 'red.jpg');
  assert.equal(image.width, 16);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(image.rgb[c] - [200, 40, 40][c]) < 8, `channel ${c}: ${image.rgb[c]}`);
});

test('a file that is not an image, or a damaged one, is named in the error', async () => {
  await assert.rejects(
    decodeImage(Buffer.from('%PDF-1.4 ...'), 'scan.pdf'),
    (e: Error) => e instanceof ImageError && /scan\.pdf is not an image cnn reads/.test(e.message),
  );
  await assert.rejects(decodeImage(Buffer.from('GIF89a...'), 'anim.gif'), /anim\.gif: cannot decode it as a GIF image/);
  const png = pngBytes(8, 8, () => [0, 0, 0, 255]);
  await assert.rejects(decodeImage(png.subarray(0, 40), 'cut.png'), /cut\.png: cannot decode it as a PNG image/);
  await assert.rejects(
    decodeImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]), 'cut.jpg'),
    /cut\.jpg: cannot decode it as a JPEG image/,
  );
});

const planes = (width: number, height: number, f: (x: number, y: number) => number): Planes => {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { channels: 1, height, width, data };
};

test('shrinking averages the covered area; enlarging interpolates; constants stay constant', () => {
  const blocks = resizePlanes(
    planes(4, 4, (x, y) => (x < 2 ? 0 : 100) + (y < 2 ? 0 : 10)),
    2,
    2,
  );
  assert.deepEqual([...blocks.data], [0, 100, 10, 110]);
  // 3 -> 2: output 0 covers pixel 0 and half of pixel 1.
  const thirds = resizePlanes(
    planes(3, 1, (x) => [0, 30, 90][x]),
    1,
    2,
  );
  assert.ok(Math.abs(thirds.data[0] - (0 + 0.5 * 30) / 1.5) < 1e-4);
  assert.ok(Math.abs(thirds.data[1] - (0.5 * 30 + 90) / 1.5) < 1e-4);
  const ramp = resizePlanes(
    planes(2, 1, (x) => x * 100),
    1,
    4,
  );
  assert.deepEqual(
    [...ramp.data].map((v) => Math.round(v)),
    [0, 25, 75, 100],
  );
  for (const [h, w] of [
    [7, 3],
    [40, 41],
    [1, 1],
  ]) {
    const flat = resizePlanes(
      planes(13, 9, () => 42),
      h,
      w,
    );
    assert.ok(
      flat.data.every((v) => Math.abs(v - 42) < 1e-3),
      `${h}x${w}`,
    );
  }
});

function image(width: number, height: number, f: (x: number, y: number) => number[]): RgbImage {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgb.set(f(x, y), (y * width + x) * 3);
  return { width, height, rgb };
}

test('grey is luma; the border mean tells paper from ink', () => {
  const p = toPlanes(
    image(1, 1, () => [255, 0, 0]),
    1,
  );
  assert.ok(Math.abs(p.data[0] - 0.299 * 255) < 1e-3);
  const framed = toPlanes(
    image(5, 5, (x, y) => (x === 0 || y === 0 || x === 4 || y === 4 ? [200, 200, 200] : [0, 0, 0])),
    1,
  );
  assert.ok(Math.abs(borderMean(framed) - 200) < 1e-3);
});

test('a dark bar on white paper becomes a centred light bar on black, 20 pixels tall, for MNIST', () => {
  // A vertical bar off to the left of a 90x60 white image.
  const bar = image(90, 60, (x, y) => (x >= 10 && x < 16 && y >= 5 && y < 45 ? [0, 0, 0] : [255, 255, 255]));
  const prepared = prepareImage(bar, imageConvention('mnist', [1, 28, 28]));
  assert.equal(prepared.inverted, true);
  assert.deepEqual(prepared.shape, [1, 28, 28]);
  const rows = Array.from({ length: 28 }, (_, y) => prepared.bytes.subarray(y * 28, (y + 1) * 28).some((v) => v > 128));
  assert.equal(rows.filter(Boolean).length, 20, 'the ink spans 20 rows, as MNIST digits do');
  assert.equal(
    borderMean({ channels: 1, height: 28, width: 28, data: Float32Array.from(prepared.bytes) }),
    0,
    'black background',
  );
  let mass = 0,
    sumX = 0;
  prepared.bytes.forEach((v, i) => {
    mass += v;
    sumX += v * ((i % 28) + 0.5);
  });
  assert.ok(Math.abs(sumX / mass - 14) <= 1, `centred by mass: column ${sumX / mass}`);
  // A light bar on black is already as MNIST draws: not inverted, same result.
  const lightBar = image(90, 60, (x, y) => (x >= 10 && x < 16 && y >= 5 && y < 45 ? [255, 255, 255] : [0, 0, 0]));
  const same = prepareImage(lightBar, imageConvention('mnist', [1, 28, 28]));
  assert.equal(same.inverted, false);
  assert.deepEqual([...same.bytes], [...prepared.bytes]);
});

test('CIFAR-10 images keep their colour and are centre-cropped, not inverted', () => {
  const photo = image(64, 48, (x) => (x < 8 ? [0, 0, 255] : [255, 255, 255]));
  const prepared = prepareImage(photo, imageConvention('cifar10', [3, 32, 32]));
  assert.equal(prepared.inverted, false);
  assert.deepEqual(prepared.shape, [3, 32, 32]);
  // The blue strip (x < 8) falls outside the centre 48x48 square: all white.
  assert.ok(prepared.bytes.every((v) => v === 255));
  const red = prepareImage(
    image(10, 10, () => [255, 0, 0]),
    imageConvention('cifar10', [3, 32, 32]),
  );
  assert.deepEqual([red.bytes[0], red.bytes[1024], red.bytes[2048]], [255, 0, 0]);
});
