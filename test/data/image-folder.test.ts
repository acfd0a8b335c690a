// Image folders and CSV manifests as datasets: the listing (classes, splits, what is
// skipped), the drawn split, header-size refusals, decoding of many modes to a model's
// shape, and the pixel cache (written once, read back, rebuilt when a file changes).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { tempDir } from '../cli/run-cli';
import { listImageFolder } from '../../src/data/image-folder';
import { listImageManifest } from '../../src/data/image-manifest';
import { stratifiedSplit, splitFingerprint } from '../../src/data/stratified-split';
import { loadImageFolderDataset } from '../../src/data/image-folder-dataset';
import { decodeToShape, readImageHeader } from '../../src/image/decode';
import { readImageFile } from '../../src/image/image-file';
import { imageAt } from '../../src/data/stored-images';
import { classCounts } from '../../src/data/class-counts';

const grey = (value: number, width = 8, height = 8) =>
  sharp(Buffer.alloc(width * height, value), { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();

async function folder(layout: Record<string, number>): Promise<string> {
  const dir = tempDir('cnn-folder-');
  for (const [name, value] of Object.entries(layout)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), await grey(value));
  }
  return dir;
}

/** A PNG whose header declares width x height, with a few bytes of (too little) data. */
function declaredPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth; colour type 0 (grey)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(16))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const silent = () => undefined;

test('a folder of class folders: classes sorted, recursive, non-image files and link duplicates skipped and noted', async () => {
  const dir = await folder({ 'b/1.png': 10, 'b/sub/2.png': 20, 'a/3.png': 30, 'C/4.png': 40 });
  fs.writeFileSync(path.join(dir, 'a', 'notes.txt'), 'hello');
  fs.symlinkSync(path.join(dir, 'a', '3.png'), path.join(dir, 'a', 'again.png'));
  fs.symlinkSync(dir, path.join(dir, 'b', 'loop'));
  const listing = listImageFolder(dir);
  assert.deepEqual(listing.classNames, ['C', 'a', 'b']);
  assert.deepEqual(
    listing.entries.map((e) => [e.name, e.label]),
    [
      ['C/4.png', 0],
      ['a/3.png', 1],
      ['b/1.png', 2],
      ['b/sub/2.png', 2],
    ],
  );
  assert.equal(listing.given, null);
  const notes = listing.notes.join('\n');
  assert.match(notes, /1 non-image file skipped/);
  assert.match(notes, /1 duplicate file listed once: a\/again\.png \(the same file as a\/3\.png\)/);
  assert.match(notes, /reached again through a symbolic link \(a loop\)/);
});

test('train/ and test/ (or val/) folders are the splits; a test class without training images is refused', async () => {
  const dir = await folder({ 'train/x/1.png': 1, 'train/y/2.png': 2, 'val/x/3.png': 3 });
  const listing = listImageFolder(dir);
  assert.deepEqual(listing.given?.splitNames, ['train', 'val']);
  assert.deepEqual(
    listing.given?.test.map((i) => listing.entries[i].name),
    ['val/x/3.png'],
  );
  const bad = await folder({ 'train/x/1.png': 1, 'train/y/2.png': 2, 'test/z/3.png': 3 });
  assert.throws(() => listImageFolder(bad), /class "z" has test images but no folder in .*train/);
});

test('an empty class, a single class, no classes and a missing folder get clear errors', async () => {
  const empty = await folder({ 'a/1.png': 1 });
  fs.mkdirSync(path.join(empty, 'b'));
  fs.writeFileSync(path.join(empty, 'b', 'readme.md'), 'no images here');
  assert.throws(() => listImageFolder(empty), /b: the class folder has no images .* add images or remove the folder/);
  const single = await folder({ 'only/1.png': 1 });
  assert.throws(() => listImageFolder(single), /only one class \(only\) found; a classifier needs at least two/);
  assert.throws(() => listImageFolder(tempDir()), /no class folders found/);
  assert.throws(() => listImageFolder('/nonexistent/photos'), /is not a directory/);
});

test('a CSV manifest: paths relative to it, a header, quoted fields, duplicates and conflicting labels', async () => {
  const dir = await folder({ 'img/1.png': 1, 'img/a, b.png': 2, 'img/3.png': 3 });
  const csv = path.join(dir, 'list.csv');
  fs.writeFileSync(csv, 'path,label\nimg/1.png,cat\n"img/a, b.png",dog\nimg/3.png,cat\nimg/1.png,cat\n');
  const listing = listImageManifest(csv);
  assert.deepEqual(listing.classNames, ['cat', 'dog']);
  assert.deepEqual(
    listing.entries.map((e) => [e.name, e.label]),
    [
      ['img/1.png', 0],
      ['img/a, b.png', 1],
      ['img/3.png', 0],
    ],
  );
  assert.match(listing.notes.join('\n'), /1 duplicate line listed once: img\/1\.png \(line 5\)/);
  fs.writeFileSync(csv, 'img/1.png,cat\nimg/3.png,dog\nimg/1.png,dog\n');
  assert.throws(() => listImageManifest(csv), /list\.csv:3: img\/1\.png is labelled "dog" here but "cat" on line 1/);
  fs.writeFileSync(csv, 'img/1.png,cat\nimg/missing.png,dog\n');
  assert.throws(() => listImageManifest(csv), /list\.csv:2: img\/missing\.png: no such file/);
});

test('the drawn split is stratified, the same on every call, and keeps a training image per class', () => {
  const entries = Array.from({ length: 103 }, (_, i) => ({
    file: `/f${i}`,
    name: `${i % 3}/${i}.png`,
    label: i % 3,
    size: 1,
    mtimeMs: 0,
  }));
  const listing = {
    source: '/d',
    form: 'folder' as const,
    classNames: ['a', 'b', 'c'],
    entries,
    given: null,
    notes: [],
  };
  const first = stratifiedSplit(listing, 0.2, 0);
  assert.deepEqual(stratifiedSplit(listing, 0.2, 0), first);
  for (let c = 0; c < 3; c++) {
    const inClass = entries.filter((e) => e.label === c).length;
    assert.equal(first.test.filter((i) => entries[i].label === c).length, Math.round(inClass * 0.2));
  }
  assert.equal(first.train.length + first.test.length, 103);
  assert.notDeepEqual(stratifiedSplit(listing, 0.2, 1).test, first.test);
  assert.equal(splitFingerprint(listing, first.test), splitFingerprint(listing, stratifiedSplit(listing, 0.2, 0).test));
  const tiny = { ...listing, entries: entries.slice(0, 3) };
  assert.equal(stratifiedSplit(tiny, 0.9, 0).test.length, 0, 'a class of one image keeps it for training');
});

test('a header declaring too many pixels or too long a strip is refused before decoding', async () => {
  for (const [w, h, why] of [
    [20000, 20000, /more than the limit of 50,000,000 pixels/],
    [20000, 1, /aspect ratio of 20000:1, above the limit of 32:1/],
    [100000, 1, /aspect ratio/],
  ] as const) {
    const bytes = declaredPng(w, h);
    assert.ok(bytes.length < 120);
    const started = Date.now();
    await assert.rejects(
      readImageHeader(bytes, 'PNG', 'forged.png'),
      (e: Error) => e.message.startsWith('forged.png: it declares') && why.test(e.message),
    );
    await assert.rejects(decodeToShape(bytes, 'PNG', 'forged.png', [1, 28, 28]), why);
    assert.ok(Date.now() - started < 2000, 'refused from the header, without decoding');
  }
});

test('every mode becomes the model shape: grey, RGB, RGBA, palette, 16-bit, CMYK, EXIF-rotated', async () => {
  const red = { r: 255, g: 0, b: 0 };
  const base = () => sharp({ create: { width: 40, height: 20, channels: 3, background: red } });
  const images: Record<string, Buffer> = {
    rgb: await base().png().toBuffer(),
    rgba: await sharp({ create: { width: 40, height: 20, channels: 4, background: { ...red, alpha: 1 } } })
      .png()
      .toBuffer(),
    palette: await base().png({ palette: true }).toBuffer(),
    sixteen: await base().toColourspace('rgb16').png().toBuffer(),
    cmyk: await base().jpeg().toColourspace('cmyk').toBuffer(),
    webp: await base().webp({ lossless: true }).toBuffer(),
    tiff: await base().tiff().toBuffer(),
    gif: await base().gif().toBuffer(),
  };
  for (const [name, bytes] of Object.entries(images)) {
    const dir = tempDir();
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    const read = readImageFile(file);
    const pixels = await decodeToShape(read.bytes, read.format, name, [3, 8, 8]);
    assert.equal(pixels.length, 3 * 64, name);
    assert.ok(
      pixels[0] > 200 && pixels[64] < 60 && pixels[128] < 60,
      `${name}: red, got ${pixels[0]},${pixels[64]},${pixels[128]}`,
    );
    const greyPixels = await decodeToShape(read.bytes, read.format, name, [1, 8, 8]);
    assert.equal(greyPixels.length, 64, name);
  }
  // A 40x20 image stored sideways with EXIF orientation 6 is upright 20x40: the header says so.
  const sideways = await base().jpeg().withMetadata({ orientation: 6 }).toBuffer();
  const header = await readImageHeader(sideways, 'JPEG', 'phone.jpg');
  assert.deepEqual([header.width, header.height], [20, 40]);
});

test('the cache is written once, read back by later runs, and rebuilt when a file changes', async () => {
  const dir = await folder({ 'a/1.png': 10, 'a/2.png': 20, 'b/3.png': 30, 'b/4.png': 40, 'b/5.png': 50 });
  const cacheDir = tempDir('cnn-cache-');
  const lines: string[] = [];
  const options = {
    shape: [1, 8, 8] as [number, number, number],
    testSplit: 0.2,
    cacheDir,
    skipBadImages: false,
    log: (l: string) => lines.push(l),
  };
  const first = await loadImageFolderDataset(dir, options);
  assert.match(lines.join('\n'), /decoding 5 images to 1x8x8 into the cache/);
  assert.equal(fs.readdirSync(cacheDir).length, 1, 'one cache file, no temporary left');
  lines.length = 0;
  const second = await loadImageFolderDataset(dir, options);
  assert.match(lines.join('\n'), /reading cached images from/);
  assert.deepEqual(second.train.images, first.train.images);
  assert.deepEqual(
    [...first.train.images.subarray(0, 64)],
    new Array(64).fill(first.train.images[0]),
    'a flat grey image stays flat',
  );
  assert.equal(first.train.count + first.test.count, 5);
  // Larger than the memory limit: the same pixels, read from disk image by image.
  const stored = await loadImageFolderDataset(dir, { ...options, log: silent, env: { CNN_IMAGE_MEMORY_MB: '0' } });
  assert.ok(stored.train.stored);
  for (let i = 0; i < first.train.count; i++) assert.deepEqual(imageAt(stored.train, i), imageAt(first.train, i));
  assert.deepEqual(stored.mean, first.mean);
  fs.writeFileSync(path.join(dir, 'a', '1.png'), await grey(99, 9, 9));
  lines.length = 0;
  await loadImageFolderDataset(dir, options);
  assert.match(lines.join('\n'), /decoding 5 images/);
});

test('an unreadable image is named; --skip-bad-images leaves it out and says so', async () => {
  const dir = await folder({ 'a/1.png': 10, 'a/2.png': 20, 'b/3.png': 30, 'b/4.png': 40 });
  fs.writeFileSync(path.join(dir, 'b', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 1, 2]));
  fs.writeFileSync(path.join(dir, 'a', 'fake.png'), 'not a png at all');
  const options = {
    shape: [1, 8, 8] as [number, number, number],
    testSplit: 0,
    cacheDir: tempDir(),
    skipBadImages: false,
    log: silent,
  };
  await assert.rejects(
    loadImageFolderDataset(dir, options),
    /2 images in .* cannot be read: \S*a\/fake\.png is not an image cnn reads .*\S*b\/broken\.jpg: cannot decode it as a JPEG image.*pass --skip-bad-images/,
  );
  const lines: string[] = [];
  const dataset = await loadImageFolderDataset(dir, { ...options, skipBadImages: true, log: (l) => lines.push(l) });
  assert.equal(dataset.train.count, 4);
  assert.match(lines.join('\n'), /skipped 2 unreadable images \(--skip-bad-images\)/);
});

test('class counts of a set, for class weights', () => {
  const set = {
    images: new Uint8Array(0),
    labels: Uint8Array.of(0, 2, 2, 1, 2),
    count: 5,
    shape: [1, 1, 1] as [number, number, number],
  };
  assert.deepEqual(classCounts(set, 4), [1, 1, 3, 0]);
});

test("a split that no longer matches the checkpoint's (files added since) is refused", async () => {
  const dir = await folder({
    'a/1.png': 10,
    'a/2.png': 20,
    'a/3.png': 30,
    'b/4.png': 40,
    'b/5.png': 50,
    'b/6.png': 60,
  });
  const options = {
    shape: [1, 8, 8] as [number, number, number],
    testSplit: 0.34,
    cacheDir: tempDir(),
    skipBadImages: false,
    log: silent,
  };
  const trained = await loadImageFolderDataset(dir, options);
  const expected = trained.imageFolder!;
  assert.equal((await loadImageFolderDataset(dir, { ...options, expected })).test.count, trained.test.count);
  for (let i = 7; i < 12; i++) fs.writeFileSync(path.join(dir, 'a', `${i}.png`), await grey(i * 10));
  await assert.rejects(
    loadImageFolderDataset(dir, { ...options, expected }),
    /the test images differ from those the checkpoint was trained with/,
  );
});
