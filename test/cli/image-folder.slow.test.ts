// Training, evaluating and predicting on a folder of images as a user would: MNIST digits
// written as PNG and JPEG files of several sizes and modes in class folders "zero".."nine".
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCli, tempDir } from './run-cli';
import { digitFolders, idxOfFolder } from '../data/image-folder-fixture';

const finalAccuracy = (stdout: string): number => {
  const m = /final test accuracy ([\d.]+)%/.exec(stdout);
  assert.ok(m, stdout);
  return Number(m[1]);
};

// 1,000 training and 200 test images keep this test to seconds; scripts/image-folder-compare.js
// runs the full 60,000/10,000 comparison (and times it) on a quiet machine.
test('lenet5 on a folder of digit images: as accurate as on the IDX files of the same images, the cache reused; eval and predict by class name', async () => {
  const dir = await digitFolders(tempDir('cnn-digits-'), 1000, 200);
  const cacheDir = tempDir('cnn-cache-');
  const work = tempDir();
  const settings = ['--input', '1,28,28', '--epochs', '4', '--threads', '1', '--seed', '3'];
  const idx = runCli([
    'train',
    'lenet5',
    '--data',
    idxOfFolder(dir, tempDir('cnn-idx-of-folder-')),
    '--out',
    path.join(work, 'idx.st'),
    ...settings,
  ]);
  assert.equal(idx.status, 0, idx.stderr);
  const ck = path.join(work, 'digits.st');
  const first = runCli(['train', 'lenet5', '--data', dir, '--cache-dir', cacheDir, '--out', ck, ...settings]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /decoding 1,200 images to 1x28x28 into the cache/);
  assert.match(first.stdout, /data images \(.*\): 1,000 training, 200 test images/);
  // JPEG, RGB and 2x-enlarged copies differ from the IDX bytes by a few levels: the accuracy barely moves.
  assert.ok(
    Math.abs(finalAccuracy(first.stdout) - finalAccuracy(idx.stdout)) <= 2,
    `folder ${finalAccuracy(first.stdout)}% vs IDX ${finalAccuracy(idx.stdout)}%`,
  );
  const second = runCli(['train', 'lenet5', '--data', dir, '--cache-dir', cacheDir, '--out', ck, ...settings]);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /reading cached images from /);
  assert.doesNotMatch(second.stdout, /decoding/);
  assert.equal(finalAccuracy(second.stdout), finalAccuracy(first.stdout));

  const evaluated = runCli(['eval', ck, '--cache-dir', cacheDir, '--threads', '1']);
  assert.equal(evaluated.status, 0, evaluated.stderr);
  assert.match(evaluated.stdout, /^seven +\d/m);
  assert.match(
    evaluated.stdout,
    /columns: 0 eight, 1 five, 2 four, 3 nine, 4 one, 5 seven, 6 six, 7 three, 8 two, 9 zero/,
  );
  const json = runCli(['eval', ck, '--cache-dir', cacheDir, '--threads', '1', '--json']);
  const parsed = JSON.parse(json.stdout) as { accuracy: number; classNames: string[] };
  assert.deepEqual(parsed.classNames, ['eight', 'five', 'four', 'nine', 'one', 'seven', 'six', 'three', 'two', 'zero']);
  assert.equal((100 * parsed.accuracy).toFixed(2), finalAccuracy(second.stdout).toFixed(2));

  const sevens = path.join(dir, 'test', 'seven');
  fs.writeFileSync(path.join(sevens, 'README.txt'), 'not an image');
  const predicted = runCli(['predict', ck, sevens, '--json', '--top', '2', '--threads', '1']);
  assert.equal(predicted.status, 0, predicted.stderr);
  const rows = JSON.parse(predicted.stdout) as { file: string; top: { name: string; probability: number }[] }[];
  const images = fs
    .readdirSync(sevens)
    .filter((f) => !f.endsWith('.txt'))
    .sort();
  assert.deepEqual(
    rows.map((r) => path.basename(r.file)),
    images,
  );
  assert.ok(rows.every((r) => r.top.length === 2 && r.top[0].probability >= r.top[1].probability));
  assert.ok(rows.filter((r) => r.top[0].name === 'seven').length >= 0.7 * rows.length);
  assert.match(predicted.stderr, /1 non-image file skipped/);
  const csv = path.join(work, 'sevens.csv');
  const toCsv = runCli(['predict', ck, sevens, '--csv', csv, '--top', '2', '--threads', '1']);
  assert.equal(toCsv.status, 0, toCsv.stderr);
  const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'file,label,probability,label2,probability2');
  assert.equal(lines.length, images.length + 1);
  assert.equal(lines[1].split(',')[1], rows[0].top[0].name);
  const onInput = runCli(['predict', ck, sevens, '--csv', ck]);
  assert.equal(onInput.status, 2);
  assert.match(onInput.stderr, /--csv .*digits\.st is the same file as CHECKPOINT/);
});

test('a CSV manifest trains with a drawn split; bad images stop the run unless --skip-bad-images; cnn datasets describes the folder', async () => {
  const dir = await digitFolders(tempDir('cnn-digits-'), 200, 0);
  const rows = ['path,label'];
  for (const cls of fs.readdirSync(path.join(dir, 'train'))) {
    for (const f of fs.readdirSync(path.join(dir, 'train', cls))) rows.push(`train/${cls}/${f},${cls}`);
  }
  fs.writeFileSync(
    path.join(dir, 'train', 'one', 'broken.png'),
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]),
  );
  rows.push('train/one/broken.png,one');
  const csv = path.join(dir, 'digits.csv');
  fs.writeFileSync(csv, rows.join('\n') + '\n');
  const cacheDir = tempDir('cnn-cache-');
  const settings = [
    '--input',
    '1,28,28',
    '--epochs',
    '1',
    '--threads',
    '1',
    '--out',
    path.join(dir, 'm.st'),
    '--cache-dir',
    cacheDir,
  ];
  const stopped = runCli(['train', 'lenet5', '--data', csv, ...settings]);
  assert.equal(stopped.status, 1);
  assert.match(
    stopped.stderr,
    /^cnn: error: 1 image in .*digits\.csv cannot be read: .*broken\.png: cannot decode it as a PNG image.*--skip-bad-images/,
  );
  const skipped = runCli(['train', 'lenet5', '--data', csv, '--skip-bad-images', '--test-split', '0.25', ...settings]);
  assert.equal(skipped.status, 0, skipped.stderr);
  assert.match(skipped.stdout, /reading cached images/);
  assert.match(skipped.stdout, /skipped 1 unreadable image \(--skip-bad-images\)/);
  assert.match(skipped.stdout, /: 150 training, 50 test images/);
  const again = runCli(['train', 'lenet5', '--data', csv, '--skip-bad-images', '--test-split', '0.25', ...settings]);
  assert.equal(finalAccuracy(again.stdout), finalAccuracy(skipped.stdout), 'the same split on every run');

  const survey = runCli(['datasets', path.join(dir, 'train')]);
  assert.equal(survey.status, 0, survey.stderr);
  assert.match(survey.stdout, /image folder, 10 classes, split: drawn per class, 0\.2 for testing/);
  assert.match(survey.stdout, /^total +161 +40$/m);
  assert.match(survey.stdout, /sizes: 28x28 \(\d+\), 56x56 \(\d+\)/);
  assert.match(survey.stdout, /modes: .*PNG b-w 1 channel.*JPEG/);
  assert.match(survey.stdout, /unreadable \(1; .*\):\n +broken\.png|unreadable \(1;[^\n]*\n[^\n]*broken\.png/);

  const idxOnly = runCli(['train', 'lenet5', '--test-split', '0.3', '--epochs', '1']);
  assert.equal(idxOnly.status, 2);
  assert.match(idxOnly.stderr, /--test-split applies to a folder of images or a CSV manifest/);
});

test(
  'predict reads only regular files: a FIFO and a character device are refused at once',
  { skip: process.getuid?.() !== 0 ? 'mknod needs root' : false },
  () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'pipe.png');
    const zero = path.join(dir, 'zero.png');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    assert.equal(spawnSync('mknod', [zero, 'c', '1', '5']).status, 0);
    const ck = path.join(dir, 'm.st');
    assert.equal(
      runCli(['train', 'lenet5', '--limit', '64', '--epochs', '1', '--threads', '1', '--out', ck]).status,
      0,
    );
    for (const device of [fifo, zero]) {
      const r = runCli(['predict', ck, device], { timeoutMs: 20000 });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /cannot read image .*: it is not a regular file \(a device, FIFO or socket\)/);
    }
  },
);
