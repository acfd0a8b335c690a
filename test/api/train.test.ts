// cnn.train() as a long-running job: stop() finishes the step, saves and resolves (as Ctrl-C
// does for the command line, without touching the process's signal handlers), the saved run
// resumes, and problems found while starting reject `done` with the command's message.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as cnn from '../../src/index';
import { tempDir } from '../cli/run-cli';
import { writeTinyDataset, writeTinyModel } from '../cli/tiny-dataset';
import { loadCheckpoint } from '../../src/train/training-checkpoint';

const dir = tempDir('cnn-api-train-');
writeTinyDataset(dir, { train: 400, test: 40 });
const modelFile = writeTinyModel(dir, 'tiny', 4);

test('stop() ends the run after the current step with a checkpoint, and the run resumes from it', async () => {
  const out = path.join(dir, 'stopped.safetensors');
  const signalListeners = process.listenerCount('SIGINT');
  const run = cnn.train({ model: modelFile, data: dir, epochs: 50, batchSize: 10, threads: 1, out });
  let steps = 0;
  run.on('step', (s) => {
    steps++;
    assert.equal(s.epoch, 1);
    assert.equal(process.listenerCount('SIGINT'), signalListeners, 'a library run must not take over SIGINT');
    if (s.step === 3) run.stop();
  });
  const epochs: cnn.EpochMetrics[] = [];
  run.on('epoch', (m) => epochs.push(m));
  const result = await run.done;
  assert.equal(result.status, 'stopped');
  assert.equal(steps, 3);
  assert.equal(epochs.length, 0);
  assert.deepEqual({ epoch: result.position.epoch, step: result.position.stepInEpoch }, { epoch: 0, step: 3 });
  assert.equal(loadCheckpoint(out).position?.stepInEpoch, 3);

  const resumed = cnn.train({ model: modelFile, resume: out, epochs: 1, threads: 1 });
  const first: cnn.StepStats[] = [];
  resumed.on('step', (s) => first.push(s));
  const done = await resumed.done;
  assert.equal(done.status, 'done');
  assert.equal(first[0].step, 4, 'the resumed run starts at the step after the stop');
  assert.equal(done.epochs.length, 1);
});

test('a resumed run refuses settings that would change it, as the command line does', async () => {
  const out = path.join(dir, 'one.safetensors');
  await cnn.train({ model: modelFile, data: dir, epochs: 1, batchSize: 20, threads: 1, out }).done;
  await assert.rejects(
    cnn.train({ model: modelFile, resume: out, lr: 0.5 }).done,
    /Option --lr 0\.5 differs from the run in .*one\.safetensors, which has 0\.05/,
  );
});

test('problems found while starting reject done, naming the file or option', async () => {
  await assert.rejects(cnn.train({ model: 'lenet5', data: path.join(dir, 'absent') }).done, /absent/);
  await assert.rejects(
    cnn.train({ model: modelFile, data: dir, out: path.join(dir, 'no-dir', 'x.safetensors') }).done,
    /no-dir.*does not exist/,
  );
  await assert.rejects(cnn.train({ model: 'no-such-model' }).done, /no-such-model/);
  assert.ok(!fs.existsSync(path.join(dir, 'no-dir')));
});

test('train() throws at once for options that are wrong in themselves, naming them', () => {
  const cases: [object, string, RegExp][] = [
    [
      { model: 'lenet5', epochs: 0 },
      'RangeError',
      /cnn\.train\(\): option "epochs" is invalid \(0\): It must be a whole number of at least 1/,
    ],
    [{ model: 'lenet5', epoch: 3 }, 'TypeError', /unknown option "epoch"; the options are: epochs, batchSize/],
    [{ model: 'lenet5', lr: '0.1x' }, 'RangeError', /option "lr" is invalid \("0\.1x"\): It must be a number/],
    [{ model: 'lenet5', schedule: 'linear' }, 'RangeError', /option "schedule" must be one of constant, cosine/],
    [
      { model: 'lenet5', input: [1, 28] },
      'RangeError',
      /option "input" is invalid \(\[1, 28\]\): It must be three whole numbers/,
    ],
    [{ model: 'lenet5', reinitHead: 'yes' }, 'TypeError', /option "reinitHead" must be true or false, got "yes"/],
    [{ model: 'lenet5', out: { file: 'x' } }, 'TypeError', /option "out" must be a string or a number, got an object/],
    [
      { model: 'lenet5', distributed: true },
      'TypeError',
      /option "distributed" is for data-parallel runs started by mpirun/,
    ],
    [{ epochs: 1 }, 'TypeError', /option "model" must be a model name/],
  ];
  for (const [options, name, message] of cases)
    assert.throws(() => cnn.train(options as cnn.TrainOptions), { name, message });
  assert.throws(() => cnn.train(undefined as unknown as cnn.TrainOptions), {
    name: 'TypeError',
    message: /options must be an object/,
  });
});

test('a run that fails while starting lets go of its output, so the next run in the process may write it', async () => {
  const from = path.join(dir, 'from.safetensors');
  await cnn.train({ model: modelFile, data: dir, epochs: 1, batchSize: 20, threads: 1, out: from }).done;
  const out = path.join(dir, 'retry.safetensors');
  await assert.rejects(
    cnn.train({ model: 'lenet5', data: dir, epochs: 1, threads: 1, out, from }).done,
    /--from .*from\.safetensors: tensor "conv1\.weight" has shape/,
  );
  const retry = await cnn.train({ model: modelFile, data: dir, epochs: 1, batchSize: 20, threads: 1, out }).done;
  assert.equal(retry.status, 'done');
  assert.ok(!fs.existsSync(`${out}.lock`));
});
