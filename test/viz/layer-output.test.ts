// network.layerOutput: a layer's activations of the last forward pass, checked against the
// per-op kernels of the test addon run on the same input (the first conv by conv2dForward,
// its ReLU by hand).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNative } from '../../src/native';
import { loadTestAddon } from '../test-addon';
import { build, initParams, randomData, smallConvNet } from '../model/tiny-nets';

test("layerOutput returns the first conv layer as the test addon's conv2dForward computes it, and its ReLU", async () => {
  const addon = loadNative();
  const tiny = smallConvNet();
  const n = 3;
  const params = initParams(tiny, 21);
  const { net } = build(addon, tiny, params, 4);
  const { x } = randomData(tiny, n, 5);
  await net.forward(x, n, new Float32Array(n * tiny.classes));

  const conv = tiny.layers[0];
  const [oc, oh, ow] = conv.outShape;
  const [c, h, w] = tiny.input;
  const expected = new Float32Array(n * oc * oh * ow);
  loadTestAddon().conv2dForward(
    { n, c, h, w, oc, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 },
    x,
    params.slice(conv.weightOffset, conv.weightOffset + conv.weightSize),
    params.slice(conv.biasOffset, conv.biasOffset + conv.biasSize),
    expected,
  );
  const got = new Float32Array(expected.length);
  net.layerOutput(0, n, got);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
  assert.ok(worst < 1e-5, `conv1 output differs from conv2dForward by ${worst}`);
  assert.ok(expected.some((v) => v < 0) && expected.some((v) => v > 0), 'the check needs both signs');

  const relu = new Float32Array(expected.length);
  net.layerOutput(1, n, relu);
  for (let i = 0; i < relu.length; i++) assert.equal(relu[i], Math.max(0, got[i]));

  // Fewer images than the forward ran: the first ones.
  const one = new Float32Array(oc * oh * ow);
  net.layerOutput(0, 1, one);
  assert.deepEqual(one, got.subarray(0, one.length));
});

test('layerOutput checks its arguments and refuses while a step runs', async () => {
  const addon = loadNative();
  const tiny = smallConvNet();
  const { net } = build(addon, tiny, initParams(tiny, 2), 2);
  const size = tiny.layers[0].outShape.reduce((a, b) => a * b, 1);
  assert.throws(
    () => net.layerOutput(tiny.layers.length, 1, new Float32Array(size)),
    (e: Error) => e instanceof RangeError && /layer must be an integer in \[0, 8\]/.test(e.message),
  );
  assert.throws(() => net.layerOutput(0, 3, new Float32Array(3 * size)), RangeError);
  assert.throws(() => net.layerOutput(0, 1, new Float32Array(size + 1)), /out has \d+ elements, expected/);
  assert.throws(() => net.layerOutput(0, 1, new Int32Array(size) as unknown as Float32Array), TypeError);
  const { x } = randomData(tiny, 2, 1);
  const running = net.forward(x, 2, new Float32Array(2 * tiny.classes));
  assert.throws(() => net.layerOutput(0, 1, new Float32Array(size)), /layerOutput: network is busy/);
  await running;
  net.layerOutput(0, 1, new Float32Array(size));
});
