// Per-layer timing of the native Network (cnn bench --profile): off by default, counts the
// steps it timed, gives every layer a time, resets when turned on again, refuses while busy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNative } from '../../src/native';
import { build, initParams, randomData, smallConvNet } from './tiny-nets';

const addon = loadNative();
const SGD = { lr: 0.01, momentum: 0.9, weightDecay: 0 };

test('profile times every layer of the steps taken while it is on', async () => {
  const tiny = smallConvNet();
  const n = 8;
  const { net } = build(addon, tiny, initParams(tiny, 1), n);
  const { x, labels } = randomData(tiny, n, 2);
  await net.trainStep(x, labels, n, SGD);
  const off = net.profile();
  assert.equal(off.steps, 0, 'nothing is timed before profiling is turned on');
  assert.ok(off.layers.every((l) => l.forwardMs === 0 && l.backwardMs === 0));

  net.setProfiling(true);
  for (let i = 0; i < 3; i++) await net.trainStep(x, labels, n, SGD);
  const on = net.profile();
  assert.equal(on.steps, 3);
  assert.equal(on.layers.length, tiny.layers.length);
  assert.deepEqual(
    on.layers.map((l) => l.name),
    tiny.layers.map((l) => l.name),
  );
  const conv = on.layers.find((l) => l.kind === 'conv2d');
  assert.ok(conv && conv.forwardMs > 0 && conv.backwardMs > 0, 'a conv layer has forward and backward time');
  assert.ok(on.updateMs > 0 && on.lossMs > 0);

  const pending = net.trainStep(x, labels, n, SGD);
  assert.throws(() => net.profile(), /busy/);
  assert.throws(() => net.setProfiling(false), /busy/);
  await pending;

  net.setProfiling(true); // resets
  assert.equal(net.profile().steps, 0);
  net.setProfiling(false);
  await net.trainStep(x, labels, n, SGD);
  assert.equal(net.profile().steps, 0, 'off again: nothing more is timed');
  assert.throws(() => (net.setProfiling as (v: unknown) => void)(1), /boolean/);
});
