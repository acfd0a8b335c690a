// Element-wise activations: relu, tanh, sigmoid, LeCun's scaled tanh (1.7159 tanh(2x/3),
// the squashing function of LeNet-5) and GELU (x * Phi(x), the exact erf form). Same shape
// out as in, no parameters, no connections.
import type { ActivationSpec } from '../model/types';
import { expectFields, optionalName } from './fields';
import type { LayerKind } from './kind';

const FIELDS = ['type', 'name'] as const;

export const activation: LayerKind<ActivationSpec> = {
  // scaled_tanh1 rather than scaled-tanh1: names stay valid Python identifiers, like module attributes.
  namePrefix: (spec) => spec.type.replace('-', '_'),

  parse(raw, where) {
    const fields = expectFields(raw, where, FIELDS);
    const name = optionalName(fields, where);
    return { type: fields.type as ActivationSpec['type'], ...(name !== undefined ? { name } : {}) };
  },

  outputShape: (_spec, input) => [...input],
  params: () => [],
  paramCount: () => 0,
  connections: () => 0,
  receptiveField: (_spec, field) => field,
  init: () => {},
  native: (layer) => ({ kind: (layer.spec as ActivationSpec).type }),
  describe: (spec) => spec.type,
};
