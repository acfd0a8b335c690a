// dropout: in training each value is zeroed with probability p and the survivors are
// scaled by 1/(1-p) (inverted dropout, as nn.Dropout), so evaluation is the identity.
// No parameters, no connections. p defaults to 0.5, PyTorch's default and AlexNet's value.
import type { DropoutSpec } from '../model/types';
import { expectFields, optionalName, optionalNumber } from './fields';
import type { LayerKind } from './kind';

const FIELDS = ['type', 'name', 'p'] as const;

const probability = (spec: DropoutSpec) => spec.p ?? 0.5;

export const dropout: LayerKind<DropoutSpec> = {
  namePrefix: () => 'dropout',

  parse(raw, where) {
    const fields = expectFields(raw, where, FIELDS);
    const name = optionalName(fields, where);
    return {
      type: 'dropout',
      ...(name !== undefined ? { name } : {}),
      p: optionalNumber(fields, 'p', where, 0.5, { atLeast: 0, below: 1 }),
    };
  },

  outputShape: (_spec, input) => [...input],
  params: () => [],
  paramCount: () => 0,
  connections: () => 0,
  receptiveField: (_spec, field) => field,
  init: () => {},
  native: (layer) => ({ kind: 'dropout', p: probability(layer.spec as DropoutSpec) }),
  describe: (spec) => `dropout p=${probability(spec)}`,
};
