// The output plan (src/cli/output-plan.ts): every output checked before work starts, never one
// of the inputs nor another output, whatever spelling reaches the same file (relative path,
// symbolic link, hard link), and never inside an input directory.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkOutputPlan, datasetInputs } from '../../src/cli/output-plan';
import { RunError, UsageError } from '../../src/cli/errors';
import { tempDir } from './run-cli';

function setUp(): { dir: string; ckpt: string } {
  const dir = tempDir('cnn-plan-');
  const ckpt = path.join(dir, 'a.safetensors');
  fs.writeFileSync(ckpt, 'checkpoint');
  return { dir, ckpt };
}

const isUsage = (pattern: RegExp) => (e: Error) => e instanceof UsageError && pattern.test(e.message);
const isRun = (pattern: RegExp) => (e: Error) => e instanceof RunError && pattern.test(e.message);

test('an output that is an input is refused, by path, symbolic link or hard link', () => {
  const { dir, ckpt } = setUp();
  const input = [{ option: 'CHECKPOINT', path: ckpt }];
  assert.throws(
    () => checkOutputPlan([{ option: '--onnx', file: ckpt }], input),
    isUsage(/--onnx .* is the same file as CHECKPOINT/),
  );
  const roundabout = path.join(dir, '.', '..', path.basename(dir), 'a.safetensors');
  assert.throws(() => checkOutputPlan([{ option: '--onnx', file: roundabout }], input), isUsage(/same file/));
  const link = path.join(dir, 'link.onnx');
  fs.symlinkSync(ckpt, link);
  assert.throws(() => checkOutputPlan([{ option: '--onnx', file: link }], input), isUsage(/same file/));
  const hard = path.join(dir, 'hard.onnx');
  fs.linkSync(ckpt, hard);
  assert.throws(() => checkOutputPlan([{ option: '--onnx', file: hard }], input), isUsage(/same file/));
  checkOutputPlan([{ option: '--onnx', file: path.join(dir, 'other.onnx') }], input);
});

test('two outputs that are the same file are refused', () => {
  const { dir } = setUp();
  const out = path.join(dir, 'x');
  assert.throws(
    () =>
      checkOutputPlan([
        { option: '--out', file: out },
        { option: '--metrics', file: out },
      ]),
    isUsage(/--out .* and --metrics .* are the same file/),
  );
});

test("an input that an output may replace (a resumed run's own checkpoint) passes; other outputs may not", () => {
  const { ckpt } = setUp();
  const inputs = [{ option: '--resume', path: ckpt, replacedBy: '--out' }];
  checkOutputPlan([{ option: '--out', file: ckpt }], inputs);
  assert.throws(() => checkOutputPlan([{ option: '--metrics', file: ckpt }], inputs), isUsage(/same file as --resume/));
});

test('no output goes inside a directory input; a dataset with listed files protects those files', () => {
  const { dir } = setUp();
  const data = path.join(dir, 'data');
  fs.mkdirSync(path.join(data, 'cats'), { recursive: true });
  fs.writeFileSync(path.join(data, 'cats', '1.png'), 'png');
  assert.throws(
    () =>
      checkOutputPlan([{ option: '--out', file: path.join(data, 'cats', 'x.png') }], datasetInputs({ source: data })),
    isUsage(/lies inside --data/),
  );
  // A hard link elsewhere to a file of the directory is found too.
  const hard = path.join(dir, 'elsewhere.png');
  fs.linkSync(path.join(data, 'cats', '1.png'), hard);
  assert.throws(
    () => checkOutputPlan([{ option: '--out', file: hard }], datasetInputs({ source: data })),
    isUsage(/hard link/),
  );

  const idx = path.join(data, 'train-images-idx3-ubyte');
  fs.writeFileSync(idx, 'idx');
  const listed = datasetInputs({ source: data, files: [idx] });
  assert.throws(() => checkOutputPlan([{ option: '--out', file: idx }], listed), isUsage(/same file as --data/));
  checkOutputPlan([{ option: '--out', file: path.join(data, 'model.safetensors') }], listed);
});

test('an empty name, a directory, a missing directory and a read-only file are refused with the option named', () => {
  const { dir } = setUp();
  assert.throws(() => checkOutputPlan([{ option: '--out', file: '' }]), isUsage(/--out "": the file name is empty/));
  assert.throws(() => checkOutputPlan([{ option: '--metrics', file: dir }]), isRun(/--metrics: .* is a directory/));
  assert.throws(
    () => checkOutputPlan([{ option: '--metrics', file: path.join(dir, 'nope', 'm.jsonl') }]),
    isRun(/--metrics: .*the directory .*nope does not exist/),
  );
  const ro = path.join(dir, 'ro');
  fs.writeFileSync(ro, 'keep');
  fs.chmodSync(ro, 0o444);
  assert.throws(() => checkOutputPlan([{ option: '--out', file: ro }]), isRun(/--out: .*is read-only/));
  assert.equal(fs.readFileSync(ro, 'utf8'), 'keep');
});
