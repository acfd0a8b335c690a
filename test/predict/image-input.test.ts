// The three kinds of prediction input (a path, encoded bytes, raw pixels) become the same RGB
// pixels, and raw pixels with inconsistent fields are refused with the field named.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { tempDir } from '../temp-dir';
import { loadImageInput, type RawImage } from '../../src/predict/image-input';

/** A 3x2 RGBA image: distinct colours, one half-transparent pixel. */
const rgba = Uint8Array.from([
  255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 255, 200, 100, 50, 128, 0, 0, 0, 255,
]);

function pngBytes(): Buffer {
  const png = new PNG({ width: 3, height: 2 });
  Buffer.from(rgba).copy(png.data);
  return PNG.sync.write(png, { colorType: 6 });
}

test('a path, a Buffer and raw RGBA pixels of the same picture give the same RGB', async () => {
  const file = path.join(tempDir('cnn-image-input-'), 'a.png');
  fs.writeFileSync(file, pngBytes());
  const fromPath = await loadImageInput(file, 0);
  const fromBuffer = await loadImageInput(pngBytes(), 0);
  const fromRaw = await loadImageInput({ data: rgba, width: 3, height: 2, channels: 4 }, 0);
  assert.deepEqual(fromBuffer, fromPath);
  assert.deepEqual(fromRaw, fromPath);
  assert.equal(fromPath.width, 3);
  // The half-transparent pixel is composited over white.
  assert.deepEqual([...fromRaw.rgb.subarray(12, 15)], [227, 177, 152]);
});

test('grey and grey+alpha raw pixels spread to RGB', async () => {
  const grey = await loadImageInput({ data: Uint8Array.of(0, 100), width: 2, height: 1, channels: 1 }, 0);
  assert.deepEqual([...grey.rgb], [0, 0, 0, 100, 100, 100]);
  const greyAlpha = await loadImageInput({ data: Uint8Array.of(0, 0, 100, 255), width: 2, height: 1, channels: 2 }, 0);
  assert.deepEqual([...greyAlpha.rgb], [255, 255, 255, 100, 100, 100]);
});

test('raw pixels with a wrong field are refused, naming the field and the input', async () => {
  const bad: [Partial<RawImage>, RegExp][] = [
    [
      { data: new Uint8Array(5), width: 2, height: 1, channels: 3 },
      /image 2 \(raw pixels\): data holds 5 bytes but 2x1x3 needs 6/,
    ],
    [{ data: new Uint8Array(6), width: 0, height: 1, channels: 3 }, /width must be a positive integer, got 0/],
    [{ data: new Uint8Array(6), width: 2, height: 1.5, channels: 3 }, /height must be a positive integer, got 1.5/],
    [{ data: new Uint8Array(6), width: 2, height: 1, channels: 5 as 3 }, /channels must be 1, 2, 3 or 4, got 5/],
    [
      { data: [1, 2, 3] as unknown as Uint8Array, width: 1, height: 1, channels: 3 },
      /data must be a Buffer, Uint8Array/,
    ],
  ];
  for (const [raw, message] of bad) await assert.rejects(loadImageInput(raw as RawImage, 1), message);
});

test('bytes that are not an image are refused, naming the input', async () => {
  await assert.rejects(loadImageInput(Buffer.from('hello'), 0), /image 1 \(encoded bytes\) is not an image cnn reads/);
});
