// The step-collectives handle between the two addons, in one process (MPI's singleton mode,
// no mpirun): setBatchNormSync counts the trainable batch norms, and a network synchronized
// over a "world" of one process trains like the unsynchronized one (the sums across one
// process are the process's own); setGradientExchange sums gradient buckets during the
// backward pass, which over one process gives scale * the gradients, bitwise; null turns
// either off, and anything that is not the MPI addon's handle is refused. The 2-rank
// behaviour is in mpi-train.slow.test.ts. Skipped when cnn_mpi.node is not built.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { loadNative } from '../../src/native';
import { loadMpiAddon, mpiAddonPath } from '../../src/distributed/mpi-addon';
import { build, initParams, randomData, residualNet } from '../model/tiny-nets';

const native = loadNative();
const skip = fs.existsSync(mpiAddonPath())
  ? false
  : `the MPI addon ${mpiAddonPath()} is not built (MPI was not found at build time)`;
const SGD = { lr: 0.05, momentum: 0.9, weightDecay: 1e-4, seed: 3 };

test(
  'over a world of one process, synchronized batch norm trains like local batch norm and gradient buckets give scale x the gradients',
  { skip },
  async () => {
    const mpi = loadMpiAddon();
    const info = mpi.start();
    assert.equal(info.size, 1);
    const handle = mpi.stepCollectives(10);
    const tiny = residualNet(0); // 5 batch norms, two of them fused with a relu, one over (N) only
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
    assert.ok(
      plain.params.some((v, i) => v !== params[i]),
      'training moved the parameters',
    );

    assert.equal(synced.net.setBatchNormSync(null), 0);
    const last = randomData(tiny, n, 9);
    const pending = synced.net.trainStep(last.x, last.labels, n, SGD);
    assert.throws(() => synced.net.setBatchNormSync(handle), /busy/);
    await pending;
    for (const bad of [1, 'handle', {}, undefined])
      assert.throws(
        () => synced.net.setBatchNormSync(bad),
        /setBatchNormSync: handle must be the MPI addon's stepCollectives\(\) or null/,
      );

    // Gradient buckets: buckets of 7 floats, so nearly every layer with parameters starts one
    // while the backward pass goes on; over one process the sum is scale * the gradients.
    const reference = build(native, tiny, params, n);
    const exchanged = build(native, tiny, params, n);
    assert.equal(exchanged.net.setGradientExchange(handle, 0.25, 7), true);
    for (let step = 0; step < 3; step++) {
      const { x, labels } = randomData(tiny, n, 200 + step);
      await reference.net.computeGradients(x, labels, n, 5);
      await exchanged.net.computeGradients(x, labels, n, 5);
      const expected = reference.grads.map((g) => Math.fround(g * 0.25));
      assert.deepEqual(exchanged.grads, expected, `step ${step}: bucketed gradients are not 0.25 x the local ones`);
      reference.grads.set(expected); // both take the same step
      reference.net.applyUpdate(SGD);
      exchanged.net.applyUpdate(SGD);
    }
    assert.equal(exchanged.net.setGradientExchange(null, 1, 7), true);
    const { x, labels } = randomData(tiny, n, 300);
    await reference.net.computeGradients(x, labels, n, 5);
    await exchanged.net.computeGradients(x, labels, n, 5);
    assert.ok(
      Math.abs(exchanged.grads[0] - reference.grads[0]) < 1e-3 * Math.abs(reference.grads[0]) + 1e-6,
      'null turns the exchange off',
    );
    assert.throws(() => exchanged.net.setGradientExchange(handle, 0, 7), /scale must be in \(0, 1\]/);
    assert.throws(() => exchanged.net.setGradientExchange(handle, 0.5, 0), /bucketFloats/);
    assert.throws(() => exchanged.net.setGradientExchange({}, 0.5, 7), /handle must be/);
    mpi.finish();
  },
);
