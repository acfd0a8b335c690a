// The batch-norm sync handle between the two addons, in one process (MPI's singleton mode, no
// mpirun): setBatchNormSync counts the trainable batch norms, a network synchronized over a
// "world" of one process trains like the unsynchronized one (the sums across one process are
// the process's own), null turns it off, and anything that is not the MPI addon's handle is
// refused. The 2-rank behaviour is in mpi-train.test.ts. Skipped when cnn_mpi.node is not built.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { loadNative } from '../../src/native';
import { loadMpiAddon, mpiAddonPath } from '../../src/distributed/mpi-addon';
import { build, initParams, randomData, residualNet } from '../model/tiny-nets';

const native = loadNative();
const skip = fs.existsSync(mpiAddonPath()) ? false : `the MPI addon ${mpiAddonPath()} is not built (MPI was not found at build time)`;
const SGD = { lr: 0.05, momentum: 0.9, weightDecay: 1e-4, seed: 3 };

test('a batch norm synchronized across a world of one process trains like an unsynchronized one', { skip }, async () => {
  const mpi = loadMpiAddon();
  const info = mpi.start();
  assert.equal(info.size, 1);
  const handle = mpi.batchNormSync(10);
  const tiny = residualNet(0);  // 5 batch norms, two of them fused with a relu, one over (N) only
  const n = 12;
  const params = initParams(tiny, 7);
  const plain = build(native, tiny, params, n);
  const synced = build(native, tiny, params, n);
  assert.equal(synced.net.setBatchNormSync(handle), 5);
  for (let step = 0; step < 4; step++) {
    const { x, labels } = randomData(tiny, n, 100 + step);
    const a = await plain.net.trainStep(x, labels, n, SGD);
    const b = await synced.net.trainStep(x, labels, n, SGD);
    assert.ok(Math.abs(a.loss - b.loss) <= 1e-6, `step ${step}: loss ${b.loss} against ${a.loss}`);
  }
  // Weights, biases and the running statistics (the parameter array holds all of them).
  let max = 0;
  for (let i = 0; i < plain.params.length; i++) max = Math.max(max, Math.abs(plain.params[i] - synced.params[i]));
  assert.ok(max <= 1e-5, `parameters differ by up to ${max}`);
  assert.ok(plain.params.some((v, i) => v !== params[i]), 'training moved the parameters');

  assert.equal(synced.net.setBatchNormSync(null), 0);
  const last = randomData(tiny, n, 9);
  const pending = synced.net.trainStep(last.x, last.labels, n, SGD);
  assert.throws(() => synced.net.setBatchNormSync(handle), /busy/);
  await pending;
  for (const bad of [1, 'handle', {}, undefined]) assert.throws(() => synced.net.setBatchNormSync(bad), /setBatchNormSync: handle must be/);
  mpi.finish();
});
