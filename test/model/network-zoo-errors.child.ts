// Run by network-zoo-layers.test.ts in a child process: feeds the Network constructor bad
// batchnorm / dropout / add / lrn descriptions and the step methods bad seeds, and prints,
// as JSON, whether each threw the expected error class with a message naming the field.
// A crash in the addon kills only this process.
import type { NetworkOptions } from '../../src/native';
import { initParams, options, residualNet } from './tiny-nets';
import { errorProbe } from './error-probe';

const tiny = residualNet();
const good = (): NetworkOptions => options(tiny, initParams(tiny, 1), 4);
const { addon, expectThrow, ctor, print } = errorProbe(good);

// Layer indices in residualNet: 1 batchnorm [4,8,8], 2 relu, 5 add [4,2], 7 lrn, 13 add, 15 dropout.
const BN = 1,
  RELU = 2,
  ADD = 5,
  LRN = 7,
  DROP = 15;

// ---- batchnorm ----
ctor(
  'runningMeanOffset missing',
  'TypeError',
  /layers\[1\] \('batchnorm1'\)\.runningMeanOffset is required for a batchnorm layer/,
  (_o, l) => {
    delete l[BN].runningMeanOffset;
  },
);
ctor(
  'runningVarOffset not an integer',
  'RangeError',
  /layers\[1\] \('batchnorm1'\)\.runningVarOffset must be an integer/,
  (_o, l) => {
    l[BN].runningVarOffset = 2.5;
  },
);
ctor(
  'runningVarOffset outside',
  'RangeError',
  /'batchnorm1'.*runningVarOffset .* lies outside the parameter array/,
  (o, l) => {
    l[BN].runningVarOffset = o.params.length - 2;
  },
);
ctor(
  'runningMeanOffset -1',
  'RangeError',
  /'batchnorm1'.*runningMeanOffset is -1: batchnorm keeps its running statistics in the parameter array/,
  (_o, l) => {
    l[BN].runningMeanOffset = -1;
  },
);
ctor(
  'running mean overlaps gamma',
  'RangeError',
  /'batchnorm1'\.(weight|runningMean) and 'batchnorm1'\.(weight|runningMean) overlap/,
  (_o, l) => {
    l[BN].runningMeanOffset = l[BN].weightOffset + 1;
  },
);
ctor(
  'running var overlaps running mean',
  'RangeError',
  /'batchnorm1'\.running(Mean|Var) and 'batchnorm1'\.running(Mean|Var) overlap/,
  (_o, l) => {
    l[BN].runningVarOffset = l[BN].runningMeanOffset;
  },
);
ctor(
  'running var overlaps a conv weight',
  'RangeError',
  /'conv2d0'\.weight and 'batchnorm1'\.runningVar overlap/,
  (_o, l) => {
    l[BN].runningVarOffset = 3;
  },
);
ctor('gamma size wrong', 'RangeError', /'batchnorm1'.*weightSize is 3, expected 4/, (_o, l) => {
  l[BN].weightSize = 3;
});
ctor('beta missing', 'RangeError', /'batchnorm1'.*biasSize is 0, expected 4/, (_o, l) => {
  l[BN].biasSize = 0;
  l[BN].biasOffset = -1;
});
ctor('eps 0', 'RangeError', /'batchnorm1'.*eps must be a finite number > 0/, (_o, l) => {
  l[BN].eps = 0;
});
ctor('eps string', 'TypeError', /layers\[1\] \('batchnorm1'\)\.eps must be a number/, (_o, l) => {
  l[BN].eps = '1e-5';
});
ctor('eps NaN', 'RangeError', /layers\[1\] \('batchnorm1'\)\.eps must be finite/, (_o, l) => {
  l[BN].eps = NaN;
});
ctor('bnMomentum 1.5', 'RangeError', /'batchnorm1'.*bnMomentum must be in \[0, 1\]/, (_o, l) => {
  l[BN].bnMomentum = 1.5;
});
ctor('bnMomentum -0.1', 'RangeError', /'batchnorm1'.*bnMomentum must be in \[0, 1\]/, (_o, l) => {
  l[BN].bnMomentum = -0.1;
});
ctor(
  'batchnorm changes the shape',
  'RangeError',
  /'batchnorm1'.*outShape \[4, 8, 7\] should be \[4, 8, 8\]/,
  (_o, l) => {
    l[BN].outShape = [4, 8, 7];
  },
);
ctor(
  'running statistics on a relu',
  'RangeError',
  /'relu2'.*runningMeanOffset is 0 but only batchnorm has running statistics/,
  (_o, l) => {
    l[RELU].runningMeanOffset = 0;
  },
);

// ---- dropout ----
ctor('dropout p missing', 'TypeError', /layers\[15\] \('dropout15'\)\.p is required/, (_o, l) => {
  delete l[DROP].p;
});
ctor('dropout p 1', 'RangeError', /layers\[15\] \('dropout15'\)\.p must be in \[0, 1\)/, (_o, l) => {
  l[DROP].p = 1;
});
ctor('dropout p rounds to 1', 'RangeError', /\.p must be in \[0, 1\)/, (_o, l) => {
  l[DROP].p = 0.99999999;
});
ctor('dropout p -0.1', 'RangeError', /\.p must be in \[0, 1\)/, (_o, l) => {
  l[DROP].p = -0.1;
});
ctor('dropout p string', 'TypeError', /\.p must be a number/, (_o, l) => {
  l[DROP].p = '0.5';
});
ctor('dropout with weights', 'RangeError', /'dropout15'.*weightSize is 4 but this kind has no weight/, (_o, l) => {
  l[DROP].weightSize = 4;
  l[DROP].weightOffset = 0;
});

// ---- add ----
ctor('add with one input', 'RangeError', /'add5'.*inputs must name exactly two producers, got 1/, (_o, l) => {
  l[ADD].inputs = [4];
});
ctor('add with three inputs', 'RangeError', /'add5'.*inputs must name exactly two producers, got 3/, (_o, l) => {
  l[ADD].inputs = [4, 2, 1];
});
ctor(
  'add shapes differ',
  'RangeError',
  /'add13'.*inShape \[6, 4, 4\] does not match the output \[4, 8, 8\] of layer 'relu6' \(inputs\[1\]\)/,
  (_o, l) => {
    l[13].inputs = [10, 6];
  },
);
ctor('add forward reference', 'RangeError', /'add5'.*inputs\[1\] is 5: it must be -1/, (_o, l) => {
  l[ADD].inputs = [4, 5];
});
ctor('add input below -1', 'RangeError', /layers\[5\] \('add5'\)\.inputs\[0\] must be an integer/, (_o, l) => {
  l[ADD].inputs = [-2, 4];
});
ctor('add changes the shape', 'RangeError', /'add5'.*outShape .* should be \[4, 8, 8\]/, (_o, l) => {
  l[ADD].outShape = [8, 8, 4];
});

// ---- lrn ----
ctor('lrn missing', 'TypeError', /layers\[7\] \('lrn7'\)\.lrn must be an object/, (_o, l) => {
  delete l[LRN].lrn;
});
ctor('lrn.size 0', 'RangeError', /lrn7'\)\.lrn\.size must be an integer/, (_o, l) => {
  l[LRN].lrn.size = 0;
});
ctor('lrn.size 2.5', 'RangeError', /lrn\.size must be an integer/, (_o, l) => {
  l[LRN].lrn.size = 2.5;
});
ctor('lrn.k 0', 'RangeError', /'lrn7'.*lrn\.k must be a finite number > 0/, (_o, l) => {
  l[LRN].lrn.k = 0;
});
ctor('lrn.beta -1', 'RangeError', /'lrn7'.*lrn\.beta must be a finite number >= 0/, (_o, l) => {
  l[LRN].lrn.beta = -1;
});
ctor('lrn.alpha -1', 'RangeError', /'lrn7'.*lrn\.alpha must be a finite number >= 0/, (_o, l) => {
  l[LRN].lrn.alpha = -1;
});
ctor('lrn.alpha string', 'TypeError', /lrn\.alpha must be a number/, (_o, l) => {
  l[LRN].lrn.alpha = '1';
});
ctor('lrn.beta missing', 'TypeError', /lrn\.beta is required/, (_o, l) => {
  delete l[LRN].lrn.beta;
});
ctor('unknown kind lists the new kinds', 'TypeError', /kind must be one of .*batchnorm, dropout, add, lrn/, (_o, l) => {
  l[LRN].kind = 'layernorm';
});

// ---- seeds ----
const o = good();
const net = new addon.Network(o);
const n = 2;
const x = new Float32Array(n * 2 * 8 * 8),
  labels = new Int32Array(n);
const sgd = { lr: 0.1, momentum: 0.9, weightDecay: 0 };
expectThrow(
  'computeGradients: seed -1',
  'RangeError',
  /computeGradients: seed must be an integer in \[0, 4294967295\]/,
  () => net.computeGradients(x, labels, n, -1),
);
expectThrow(
  'computeGradients: seed 2^32',
  'RangeError',
  /computeGradients: seed must be an integer in \[0, 4294967295\]/,
  () => net.computeGradients(x, labels, n, 2 ** 32),
);
expectThrow('computeGradients: seed 1.5', 'RangeError', /computeGradients: seed must be an integer/, () =>
  net.computeGradients(x, labels, n, 1.5),
);
expectThrow('computeGradients: seed string', 'TypeError', /computeGradients: seed must be a number/, () =>
  net.computeGradients(x, labels, n, '1' as any),
);
expectThrow('computeGradients: 5 arguments', 'TypeError', /computeGradients: expected 3 or 4 arguments, got 5/, () =>
  (net.computeGradients as any)(x, labels, n, 1, 2),
);
expectThrow(
  'trainStep: sgd.seed -1',
  'RangeError',
  /trainStep: sgd\.seed must be an integer in \[0, 4294967295\]/,
  () => net.trainStep(x, labels, n, { ...sgd, seed: -1 }),
);
expectThrow('trainStep: sgd.seed NaN', 'RangeError', /trainStep: sgd\.seed must be an integer/, () =>
  net.trainStep(x, labels, n, { ...sgd, seed: NaN }),
);
expectThrow('applyUpdate: sgd.seed string', 'TypeError', /applyUpdate: sgd\.seed must be a number/, () =>
  net.applyUpdate({ ...sgd, seed: 'x' as any }),
);

print();
