// lrn: local response normalisation across channels, AlexNet's NORM layers, with
// nn.LocalResponseNorm's semantics: b_c = a_c / (k + alpha/size * sum of a^2 over the
// `size` channels around c)^beta. PyTorch (and Caffe) divide alpha by size; Krizhevsky et
// al.'s formula does not, so the paper's alpha = 1e-4 is alpha = 5e-4 here (see the zoo's
// alexnet). Defaults: size 5, alpha 1e-4, beta 0.75, k 2. No parameters; connections 0,
// as torchinfo counts parameter-free layers.
import type { LrnSpec } from '../model/types';
import { expectFields, optionalName, optionalNumber, positiveInteger } from './fields';
import type { LayerKind } from './kind';

const FIELDS = ['type', 'name', 'size', 'alpha', 'beta', 'k'] as const;

type LrnFilled = LrnSpec & { size: number; alpha: number; beta: number; k: number };

export const lrn: LayerKind<LrnSpec> = {
  namePrefix: () => 'lrn',

  parse(raw, where) {
    const fields = expectFields(raw, where, FIELDS);
    const name = optionalName(fields, where);
    const spec: LrnFilled = {
      type: 'lrn',
      ...(name !== undefined ? { name } : {}),
      size: fields.size === undefined ? 5 : positiveInteger(fields, 'size', where, 'lrnSize'),
      alpha: optionalNumber(fields, 'alpha', where, 1e-4, { atLeast: 0 }),
      beta: optionalNumber(fields, 'beta', where, 0.75, { atLeast: 0 }),
      k: optionalNumber(fields, 'k', where, 2, { above: 0 }),
    };
    return spec;
  },

  outputShape: (_spec, input) => [...input],
  params: () => [],
  paramCount: () => 0,
  connections: () => 0,
  receptiveField: (_spec, field) => field,
  init: () => {},

  native(layer) {
    const { size, alpha, beta, k } = layer.spec as LrnFilled;
    return { kind: 'lrn', lrn: { size, alpha, beta, k } };
  },

  describe: (spec) => `lrn size ${(spec as LrnFilled).size}`,
};
