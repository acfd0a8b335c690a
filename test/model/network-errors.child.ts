// Run by network.test.ts in a child process: feeds the Network constructor and its methods
// bad arguments and prints, as JSON, whether each threw the expected error class with a
// message naming the field. A crash in the addon kills only this process.
import type { NetworkOptions } from '../../src/native';
import { initParams, options, smallConvNet } from './tiny-nets';
import { errorProbe } from './error-probe';

const tiny = smallConvNet(10);
const good = (): NetworkOptions => options(tiny, initParams(tiny, 1), 4);
const { addon, expectThrow, ctor, print } = errorProbe(good);

// ---- constructor ----
expectThrow('new Network: no options', 'TypeError', /expected 1 arguments/, () => new (addon.Network as any)());
expectThrow(
  'new Network: options not an object',
  'TypeError',
  /options must be an object/,
  () => new addon.Network(3 as any),
);
ctor('params missing', 'TypeError', /params must be a Float32Array/, (o) => {
  delete o.params;
});
ctor('grads wrong length', 'RangeError', /same length/, (o) => {
  o.grads = new Float32Array(3);
});
ctor('grads aliases params', 'RangeError', /grads must not share memory with params/, (o) => {
  o.grads = o.params;
});
ctor('maxBatch 0', 'RangeError', /maxBatch must be an integer/, (o) => {
  o.maxBatch = 0;
});
ctor('maxBatch 1.5', 'RangeError', /maxBatch/, (o) => {
  o.maxBatch = 1.5;
});
ctor('threads missing', 'TypeError', /threads must be a number/, (o) => {
  delete o.threads;
});
ctor('classes wrong', 'RangeError', /classes = 7/, (o) => {
  o.classes = 7;
});
ctor('input not a triple', 'TypeError', /input must be an array of 3/, (o) => {
  o.input = [1, 12] as any;
});
ctor(
  'input shape mismatch',
  'RangeError',
  /conv2d0'.*inShape \[1, 12, 12\] does not match the output \[2, 12, 12\] of the network input/,
  (o) => {
    o.input = [2, 12, 12];
  },
);
ctor('layers empty', 'RangeError', /layers must not be empty/, (o) => {
  o.layers = [];
});
ctor('unknown kind', 'TypeError', /layers\[1\] \('relu1'\)\.kind must be one of/, (_o, l) => {
  l[1].kind = 'swish' as any;
});
ctor('name missing', 'TypeError', /layers\[2\]\.name must be a string/, (_o, l) => {
  delete l[2].name;
});
ctor('kernel missing', 'TypeError', /layers\[0\] \('conv2d0'\)\.kernel is required/, (_o, l) => {
  delete l[0].kernel;
});
ctor('stride 0', 'RangeError', /layers\[2\] \('maxpool2'\)\.stride\[0\] must be an integer/, (_o, l) => {
  l[2].stride = [0, 2];
});
ctor('two inputs', 'RangeError', /'relu1'.*inputs must name exactly one producer, got 2/, (_o, l) => {
  l[1].inputs = [0, 0];
});
ctor('forward reference', 'RangeError', /'relu1'.*inputs\[0\] is 3/, (_o, l) => {
  l[1].inputs = [3];
});
ctor('input index not integer', 'RangeError', /layers\[1\] \('relu1'\)\.inputs\[0\]/, (_o, l) => {
  l[1].inputs = [0.5];
});
ctor('conv outShape wrong', 'RangeError', /'conv2d0'.*outShape \[8, 11, 11\] should be \[8, 12, 12\]/, (_o, l) => {
  l[0].outShape = [8, 11, 11];
});
ctor('pool outShape wrong', 'RangeError', /'maxpool2'.*outShape/, (_o, l) => {
  l[2].outShape = [8, 5, 5];
});
ctor('pool pad too big', 'RangeError', /'maxpool2'.*pad must be at most half the kernel/, (_o, l) => {
  l[2].pad = [2, 2];
});
ctor('inShape mismatch', 'RangeError', /'relu4'.*inShape/, (_o, l) => {
  l[4].inShape = [8, 6, 7];
  l[4].outShape = [8, 6, 7];
});
ctor('flatten outShape', 'RangeError', /'flatten5'.*outShape \[100, 1, 1\] should be \[288, 1, 1\]/, (_o, l) => {
  l[5].outShape = [100, 1, 1];
});
ctor('dense outShape not [units,1,1]', 'RangeError', /'dense6'.*outShape \[32, 2, 1\]/, (_o, l) => {
  l[6].outShape = [32, 2, 1];
});
ctor('weightSize wrong', 'RangeError', /'conv2d0'.*weightSize is 71, expected 72/, (_o, l) => {
  l[0].weightSize = 71;
});
ctor('weightOffset outside', 'RangeError', /'dense8'.*weightOffset .* lies outside the parameter array/, (o, l) => {
  l[8].weightOffset = o.params.length - 5;
});
ctor('weightOffset negative with size', 'RangeError', /'conv2d0'.*weightOffset/, (_o, l) => {
  l[0].weightOffset = -1;
});
ctor('bias on relu', 'RangeError', /'relu1'.*biasSize is 3 but this kind has no bias/, (_o, l) => {
  l[1].biasOffset = 0;
  l[1].biasSize = 3;
});
ctor('biasOffset without size', 'RangeError', /'conv2d0'.*biasOffset is 72 but biasSize is 0/, (_o, l) => {
  l[0].biasSize = 0;
});
ctor('overlapping tensors', 'RangeError', /'conv2d0'.weight and 'conv2d3'.weight overlap/, (_o, l) => {
  l[3].weightOffset = 0;
});
ctor('mask wrong length', 'RangeError', /'conv2d0'.*weightMask has 3 values, expected weightSize 72/, (_o, l) => {
  l[0].weightMask = new Float32Array(3);
});
ctor('mask not 0/1', 'RangeError', /'conv2d0'.*weightMask must hold only 0 and 1/, (_o, l) => {
  l[0].weightMask = new Float32Array(72).fill(0.5);
});
ctor('mask not Float32Array', 'TypeError', /layers\[0\] \('conv2d0'\)\.weightMask must be a Float32Array/, (_o, l) => {
  l[0].weightMask = [1, 0] as any;
});
ctor('too large', 'RangeError', /exceeds 2\^31 - 1/, (o) => {
  o.maxBatch = 2 ** 30;
});

// ---- step arguments ----
const o = good();
const net = new addon.Network(o);
const x = new Float32Array(2 * 144),
  labels = new Int32Array(2),
  probs = new Float32Array(20);
const sgd = { lr: 0.1, momentum: 0.9, weightDecay: 0 };
expectThrow('trainStep: n = 0', 'RangeError', /trainStep: n must be an integer in \[1, 4\]/, () =>
  net.trainStep(x, labels, 0, sgd),
);
expectThrow('trainStep: n > maxBatch', 'RangeError', /trainStep: n must be an integer in \[1, 4\]/, () =>
  net.trainStep(new Float32Array(5 * 144), new Int32Array(5), 5, sgd),
);
expectThrow('trainStep: x wrong length', 'RangeError', /trainStep: x has 288 elements, expected 144/, () =>
  net.trainStep(x, labels, 1, sgd),
);
expectThrow('trainStep: x Float64Array', 'TypeError', /trainStep: x must be a Float32Array/, () =>
  net.trainStep(new Float64Array(288) as any, labels, 2, sgd),
);
expectThrow('trainStep: x is params', 'RangeError', /x must not share memory with params/, () =>
  net.trainStep(o.params.subarray(0, 288), labels, 2, sgd),
);
expectThrow(
  'trainStep: label out of range',
  'RangeError',
  /trainStep: labels\[1\] = 10 is outside \[0, classes = 10\)/,
  () => net.trainStep(x, new Int32Array([0, 10]), 2, sgd),
);
expectThrow('trainStep: negative label', 'RangeError', /labels\[0\] = -1/, () =>
  net.trainStep(x, new Int32Array([-1, 0]), 2, sgd),
);
expectThrow('trainStep: labels Float32Array', 'TypeError', /labels must be an Int32Array/, () =>
  net.trainStep(x, new Float32Array(2) as any, 2, sgd),
);
expectThrow('trainStep: sgd missing', 'TypeError', /expected 4 arguments/, () => (net.trainStep as any)(x, labels, 2));
expectThrow('trainStep: lr 0', 'RangeError', /sgd\.lr must be > 0/, () =>
  net.trainStep(x, labels, 2, { ...sgd, lr: 0 }),
);
expectThrow('trainStep: lr NaN', 'RangeError', /sgd\.lr must be finite/, () =>
  net.trainStep(x, labels, 2, { ...sgd, lr: NaN }),
);
expectThrow('trainStep: momentum 1', 'RangeError', /sgd\.momentum must be in \[0, 1\)/, () =>
  net.trainStep(x, labels, 2, { ...sgd, momentum: 1 }),
);
expectThrow('trainStep: weightDecay -1', 'RangeError', /sgd\.weightDecay must be >= 0/, () =>
  net.trainStep(x, labels, 2, { ...sgd, weightDecay: -1 }),
);
expectThrow('trainStep: weightDecay string', 'TypeError', /sgd\.weightDecay must be a number/, () =>
  net.trainStep(x, labels, 2, { ...sgd, weightDecay: '0' as any }),
);
expectThrow('applyUpdate: momentum -0.1', 'RangeError', /applyUpdate: sgd\.momentum/, () =>
  net.applyUpdate({ ...sgd, momentum: -0.1 }),
);
expectThrow('forward: probs wrong length', 'RangeError', /forward: probs has 20 elements, expected 10/, () =>
  net.forward(x.subarray(0, 144), 1, probs),
);
expectThrow('forward: probs aliases grads', 'RangeError', /probs must not share memory with grads/, () =>
  net.forward(x, 2, o.grads.subarray(0, 20)),
);
expectThrow('evaluate: labels wrong length', 'RangeError', /evaluate: labels has 3 elements, expected 2/, () =>
  net.evaluate(x, new Int32Array(3), 2, probs),
);
expectThrow('computeGradients: n not integer', 'RangeError', /computeGradients: n must be an integer/, () =>
  net.computeGradients(x, labels, 1.5),
);
expectThrow('setThreads: 0', 'RangeError', /setThreads: n must be an integer in \[1, 256\]/, () => net.setThreads(0));

// The network works in params through a raw pointer: a detached buffer must be refused, not used.
const o2 = good();
const net2 = new addon.Network(o2);
structuredClone(o2.params.buffer, { transfer: [o2.params.buffer as ArrayBuffer] });
expectThrow('trainStep: params detached', 'Error', /trainStep: params, grads or velocity was detached or resized/, () =>
  net2.trainStep(x, labels, 2, sgd),
);
expectThrow('applyUpdate: params detached', 'Error', /applyUpdate: params, grads or velocity was detached/, () =>
  net2.applyUpdate(sgd),
);

print();
