// Child of bitwise-regression.slow.test.ts: trains a zoo model for a few steps on the first MNIST
// images through the native network (fixed seed, fixed SGD settings) and prints the sha256 of
// the parameter array afterwards (weights, biases and batch norm's running statistics).
// Usage: node training-checksum.child.js <model> <threads>; CNN_GEMM_PATH picks the GEMM path.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { readIdx } from '../../src/data/idx';
import { mnistDataDir } from '../../src/data/dataset';
import { initParams } from '../../src/model/init';
import { planModel } from '../../src/model/plan';
import { getModel } from '../../src/model/zoo';
import { createRuntime } from '../../src/train/runtime';
import { Rng } from '../../src/train/rng';

const CHECKSUM_STEPS = 4;
const CHECKSUM_BATCH = 32;

async function main(): Promise<void> {
  const [modelName, threadsText] = process.argv.slice(2);
  const threads = Number(threadsText);
  const plan = planModel(getModel(modelName), { input: [1, 28, 28], classes: 10 });
  const rt = createRuntime(plan, { maxBatch: CHECKSUM_BATCH, threads });
  initParams(plan, rt.params, new Rng(7));

  const images = readIdx(path.join(mnistDataDir(), 'train-images-idx3-ubyte'));
  const labels = readIdx(path.join(mnistDataDir(), 'train-labels-idx1-ubyte'));
  const perImage = 28 * 28;
  const x = new Float32Array(CHECKSUM_BATCH * perImage);
  const y = new Int32Array(CHECKSUM_BATCH);
  for (let step = 0; step < CHECKSUM_STEPS; step++) {
    const first = step * CHECKSUM_BATCH;
    for (let k = 0; k < x.length; k++) x[k] = images.data[first * perImage + k] / 255;
    for (let k = 0; k < CHECKSUM_BATCH; k++) y[k] = labels.data[first + k];
    await rt.net.trainStep(x, y, CHECKSUM_BATCH, { lr: 0.05, momentum: 0.9, weightDecay: 5e-4, seed: step + 1 });
  }
  const bytes = Buffer.from(rt.params.buffer, rt.params.byteOffset, rt.params.byteLength);
  process.stdout.write(createHash('sha256').update(bytes).digest('hex') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
