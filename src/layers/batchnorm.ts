// batchnorm: per-channel batch normalisation as nn.BatchNorm2d. Tensors, in PyTorch's
// state_dict order: gamma "<name>.weight" (C), beta "<name>.bias" (C), and the buffers
// "<name>.running_mean" (C) and "<name>.running_var" (C). The buffers live in the flat
// parameter array so checkpoints carry them, but they are not trainable: SGD never moves
// them and they do not count as parameters (torchinfo's "trainable params"; PyTorch's
// sum of p.numel() over parameters() gives the same 2C). PyTorch's num_batches_tracked is
// not stored here: the checkpoint code writes it if it wants torchvision-loadable files.
//
// Connections follow torchinfo, which counts each parameter once per image for layers
// other than convolutions: 2C per image (gamma and beta), not 2 per value. At inference
// batchnorm folds into the preceding convolution, so this keeps the totals comparable to
// torchinfo's Mult-Adds for the same network.
import type { BatchNormSpec } from '../model/types';
import { expectFields, optionalName, optionalNumber } from './fields';
import type { LayerKind } from './kind';

const FIELDS = ['type', 'name', 'eps', 'momentum'] as const;

type BatchNormFilled = BatchNormSpec & { eps: number; momentum: number };

export const batchnorm: LayerKind<BatchNormSpec> = {
  namePrefix: () => 'bn',

  parse(raw, where) {
    const fields = expectFields(raw, where, FIELDS);
    const name = optionalName(fields, where);
    const spec: BatchNormFilled = {
      type: 'batchnorm',
      ...(name !== undefined ? { name } : {}),
      eps: optionalNumber(fields, 'eps', where, 1e-5, { above: 0 }),
      momentum: optionalNumber(fields, 'momentum', where, 0.1, { above: 0, below: 1 }),
    };
    return spec;
  },

  outputShape: (_spec, input) => [...input],

  params: (_spec, input) => [
    { role: 'weight', shape: [input[0]] },
    { role: 'bias', shape: [input[0]] },
    { role: 'running_mean', shape: [input[0]] },
    { role: 'running_var', shape: [input[0]] },
  ],

  paramCount: (_spec, input) => 2 * input[0],
  connections: (_spec, input) => 2 * input[0],
  receptiveField: (_spec, field) => field,

  init(_layer, [gamma, beta, runningMean, runningVar]) {
    gamma.fill(1);
    beta.fill(0);
    runningMean.fill(0);
    runningVar.fill(1);
  },

  native(layer) {
    const s = layer.spec as BatchNormFilled;
    const offsetOf = (role: string) => layer.params.find((p) => p.role === role)!.offset;
    return {
      kind: 'batchnorm',
      eps: s.eps,
      bnMomentum: s.momentum,
      runningMeanOffset: offsetOf('running_mean'),
      runningVarOffset: offsetOf('running_var'),
    };
  },

  describe: () => 'batchnorm',
};
