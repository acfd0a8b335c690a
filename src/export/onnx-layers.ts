// Each planned layer kind as ONNX operators (opset 13), with the exact semantics of cnn's
// kernels (native/kernels):
//   conv2d      Conv, pads [top, left, bottom, right]; a partial connection table (LeNet-5's
//               C3) is the full weight tensor with the unconnected weights zeroed by its mask
//   maxpool     MaxPool, floor mode (ceil_mode 0); padding is -inf, as cnn's clipped windows
//   avgpool     AveragePool, floor mode, count_include_pad 1 (cnn divides by KH*KW always)
//   gap         GlobalAveragePool
//   subsample   AveragePool, then Mul by the per-map coefficient and Add the per-map bias
//   dense       Gemm with transB (weights are (OUT, IN), as nn.Linear); input flattened C,H,W
//   flatten     Flatten axis 1
//   relu, tanh, sigmoid: Relu, Tanh, Sigmoid; scaled-tanh: 1.7159 * tanh(2/3 * x), as Mul, Tanh, Mul
//   leaky-relu  LeakyRelu (alpha: the negative slope)
//   gelu        x * 0.5 * (1 + Erf(x / sqrt 2)): opset 13 has no Gelu (it came in opset 20)
//   batchnorm   BatchNormalization with the running statistics (inference)
//   dropout     nothing: inverted dropout is the identity at inference
//   add         Add
//   lrn         LRN: both cnn and ONNX compute x / (k + alpha/size * sum of x^2)^beta, so alpha
//               passes unchanged. Their channel windows agree for odd sizes ([c - size/2,
//               c + (size-1)/2]); for an even size ONNX's window is shifted by one, so an even
//               LRN is written as a 1x1 Conv of x^2 with a band of alpha/size (cnn's window).
import type {
  BatchNormSpec,
  Conv2dSpec,
  LeakyReluSpec,
  LrnSpec,
  PlannedLayer,
  PlannedLayerType,
  PoolSpec,
  SubsampleSpec,
} from '../model/types';
import type { GraphValue, OnnxGraphBuilder } from './onnx-graph';

type Pair = [number, number];

/** Scaled tanh's constants, as native/kernels/activation.cpp has them (float32). */
const SCALED_TANH_AMPLITUDE = 1.7159;
const SCALED_TANH_SLOPE = 2 / 3;

export interface LayerContext {
  graph: OnnxGraphBuilder;
  layer: PlannedLayer;
  /** The flat parameter array the layer's tensors are views into. */
  params: Float32Array;
  /** The layer's producers' values, in order. */
  inputs: GraphValue[];
  /** The name the layer's output gets (unique in the graph). */
  output: string;
}

type Converter = (ctx: LayerContext) => GraphValue;

/** The layer's tensor of a role as a view into the flat array. */
function tensorOf(
  ctx: LayerContext,
  role: string,
): { name: string; shape: number[]; values: Float32Array } | undefined {
  const t = ctx.layer.params.find((p) => p.role === role);
  return t && { name: t.name, shape: t.shape, values: ctx.params.subarray(t.offset, t.offset + t.size) };
}

function requiredTensor(ctx: LayerContext, role: string): { name: string; shape: number[]; values: Float32Array } {
  const t = tensorOf(ctx, role);
  if (!t) throw new Error(`ONNX export: layer ${ctx.layer.name} (${ctx.layer.type}) has no ${role} tensor`);
  return t;
}

/** A float initializer of the layer's tensor, reshaped (per-channel vectors become (C, 1, 1) to broadcast over H, W). */
function initializer(ctx: LayerContext, role: string, shape?: number[]): string {
  const t = requiredTensor(ctx, role);
  return ctx.graph.floatTensor(t.name, shape ?? t.shape, t.values);
}

const windowAttributes = (kernel: Pair, stride: Pair, pad: Pair) => ({
  kernel_shape: [...kernel],
  strides: [...stride],
  pads: [pad[0], pad[1], pad[0], pad[1]],
});

const unary =
  (opType: string): Converter =>
  (ctx) => {
    const [x] = ctx.inputs;
    return { name: ctx.graph.node(opType, [x.name], ctx.output), rank: x.rank };
  };

const conv2d: Converter = (ctx) => {
  const spec = ctx.layer.spec as Conv2dSpec & { kernel: Pair; stride: Pair; pad: Pair };
  const weight = requiredTensor(ctx, 'weight');
  // The checkpoint's unconnected weights are zero already; the mask makes sure of it.
  const mask = ctx.layer.weightMask;
  const values = mask ? weight.values.map((v, i) => (mask[i] === 0 ? 0 : v)) : weight.values;
  const inputs = [ctx.graph.as4d(ctx.inputs[0]), ctx.graph.floatTensor(weight.name, weight.shape, values)];
  if (tensorOf(ctx, 'bias')) inputs.push(initializer(ctx, 'bias'));
  const name = ctx.graph.node('Conv', inputs, ctx.output, {
    ...windowAttributes(spec.kernel, spec.stride, spec.pad),
    group: 1,
  });
  return { name, rank: 4 };
};

const maxpool: Converter = (ctx) => {
  const spec = ctx.layer.spec as PoolSpec & { size: Pair; stride: Pair; pad: Pair };
  const x = ctx.graph.as4d(ctx.inputs[0]);
  return {
    name: ctx.graph.node('MaxPool', [x], ctx.output, {
      ...windowAttributes(spec.size, spec.stride, spec.pad),
      ceil_mode: 0,
    }),
    rank: 4,
  };
};

const avgpool: Converter = (ctx) => {
  const spec = ctx.layer.spec as PoolSpec & { size: Pair; stride: Pair; pad: Pair };
  const x = ctx.graph.as4d(ctx.inputs[0]);
  const attributes = { ...windowAttributes(spec.size, spec.stride, spec.pad), ceil_mode: 0, count_include_pad: 1 };
  return { name: ctx.graph.node('AveragePool', [x], ctx.output, attributes), rank: 4 };
};

const gap: Converter = (ctx) => ({
  name: ctx.graph.node('GlobalAveragePool', [ctx.graph.as4d(ctx.inputs[0])], ctx.output),
  rank: 4,
});

const subsample: Converter = (ctx) => {
  const spec = ctx.layer.spec as SubsampleSpec & { size: Pair; stride: Pair };
  const { graph } = ctx;
  const channels = ctx.layer.inputShape[0];
  const pooled = graph.node('AveragePool', [graph.as4d(ctx.inputs[0])], graph.unique(`${ctx.output}.pool`), {
    ...windowAttributes(spec.size, spec.stride, [0, 0]),
    ceil_mode: 0,
  });
  const scaled = graph.node(
    'Mul',
    [pooled, initializer(ctx, 'weight', [channels, 1, 1])],
    graph.unique(`${ctx.output}.scaled`),
  );
  return { name: graph.node('Add', [scaled, initializer(ctx, 'bias', [channels, 1, 1])], ctx.output), rank: 4 };
};

const dense: Converter = (ctx) => {
  const inputs = [ctx.graph.as2d(ctx.inputs[0]), initializer(ctx, 'weight')];
  if (tensorOf(ctx, 'bias')) inputs.push(initializer(ctx, 'bias'));
  return { name: ctx.graph.node('Gemm', inputs, ctx.output, { transB: 1 }), rank: 2 };
};

const flatten: Converter = (ctx) => {
  const [x] = ctx.inputs;
  if (x.rank === 2) return x;
  return { name: ctx.graph.node('Flatten', [x.name], ctx.output, { axis: 1 }), rank: 2 };
};

const scaledTanh: Converter = (ctx) => {
  const { graph } = ctx;
  const [x] = ctx.inputs;
  const inner = graph.node(
    'Mul',
    [x.name, graph.scalar(SCALED_TANH_SLOPE, ctx.output)],
    graph.unique(`${ctx.output}.in`),
  );
  const tanh = graph.node('Tanh', [inner], graph.unique(`${ctx.output}.tanh`));
  return { name: graph.node('Mul', [tanh, graph.scalar(SCALED_TANH_AMPLITUDE, ctx.output)], ctx.output), rank: x.rank };
};

const leakyRelu: Converter = (ctx) => {
  const [x] = ctx.inputs;
  const slope = (ctx.layer.spec as LeakyReluSpec).negativeSlope ?? 0.01;
  return { name: ctx.graph.node('LeakyRelu', [x.name], ctx.output, { alpha: { float: slope } }), rank: x.rank };
};

const gelu: Converter = (ctx) => {
  const { graph } = ctx;
  const [x] = ctx.inputs;
  const scaled = graph.node(
    'Mul',
    [x.name, graph.scalar(Math.SQRT1_2, ctx.output)],
    graph.unique(`${ctx.output}.scaled`),
  );
  const erf = graph.node('Erf', [scaled], graph.unique(`${ctx.output}.erf`));
  const shifted = graph.node('Add', [erf, graph.scalar(1, ctx.output)], graph.unique(`${ctx.output}.cdf2`));
  const half = graph.node('Mul', [x.name, graph.scalar(0.5, ctx.output)], graph.unique(`${ctx.output}.half`));
  return { name: graph.node('Mul', [half, shifted], ctx.output), rank: x.rank };
};

const batchnorm: Converter = (ctx) => {
  const spec = ctx.layer.spec as BatchNormSpec & { eps: number };
  const [x] = ctx.inputs;
  const inputs = [
    x.name,
    initializer(ctx, 'weight'),
    initializer(ctx, 'bias'),
    initializer(ctx, 'running_mean'),
    initializer(ctx, 'running_var'),
  ];
  return {
    name: ctx.graph.node('BatchNormalization', inputs, ctx.output, { epsilon: { float: spec.eps } }),
    rank: x.rank,
  };
};

const dropout: Converter = (ctx) => ctx.inputs[0];

const add: Converter = (ctx) => {
  const [a, b] = ctx.inputs;
  const sameRank = a.rank === b.rank;
  const names = sameRank ? [a.name, b.name] : [ctx.graph.as4d(a), ctx.graph.as4d(b)];
  return { name: ctx.graph.node('Add', names, ctx.output), rank: sameRank ? a.rank : 4 };
};

const lrn: Converter = (ctx) => {
  const { size, alpha, beta, k } = ctx.layer.spec as LrnSpec & { size: number; alpha: number; beta: number; k: number };
  const x = ctx.graph.as4d(ctx.inputs[0]);
  if (size % 2 === 1) {
    return {
      name: ctx.graph.node('LRN', [x], ctx.output, {
        size,
        alpha: { float: alpha },
        beta: { float: beta },
        bias: { float: k },
      }),
      rank: 4,
    };
  }
  return { name: evenLrn(ctx, x, size, alpha, beta, k), rank: 4 };
};

/** x / (k + sum over cnn's window of alpha/size * x^2)^beta, the window sum as a 1x1 conv with a band of weights. */
function evenLrn(ctx: LayerContext, x: string, size: number, alpha: number, beta: number, k: number): string {
  const { graph } = ctx;
  const channels = ctx.layer.inputShape[0];
  const band = new Float32Array(channels * channels);
  for (let c = 0; c < channels; c++) {
    const lo = Math.max(0, c - Math.floor(size / 2));
    const hi = Math.min(channels - 1, c + Math.floor((size - 1) / 2));
    for (let j = lo; j <= hi; j++) band[c * channels + j] = alpha / size;
  }
  const squared = graph.node('Mul', [x, x], graph.unique(`${ctx.output}.squared`));
  const weights = graph.floatTensor(`${ctx.output}.window`, [channels, channels, 1, 1], band);
  const windowSum = graph.node('Conv', [squared, weights], graph.unique(`${ctx.output}.sum`), { kernel_shape: [1, 1] });
  const shifted = graph.node('Add', [windowSum, graph.scalar(k, ctx.output)], graph.unique(`${ctx.output}.scale`));
  const power = graph.node('Pow', [shifted, graph.scalar(beta, ctx.output)], graph.unique(`${ctx.output}.power`));
  return graph.node('Div', [x, power], ctx.output);
}

const CONVERTERS: { [T in PlannedLayerType]: Converter } = {
  conv2d,
  maxpool,
  avgpool,
  gap,
  subsample,
  dense,
  flatten,
  relu: unary('Relu'),
  tanh: unary('Tanh'),
  sigmoid: unary('Sigmoid'),
  'scaled-tanh': scaledTanh,
  'leaky-relu': leakyRelu,
  gelu,
  batchnorm,
  dropout,
  add,
  lrn,
};

/** Adds the layer's operators to the graph; returns its output value. */
export function convertLayer(ctx: LayerContext): GraphValue {
  return CONVERTERS[ctx.layer.type](ctx);
}
