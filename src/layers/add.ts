// add: out = in0 + in1, the join of a residual block. The planner creates it (with its two
// producers) when it expands a residual block; a model file cannot write one, since a
// sequential list of layers has no way to say which two outputs to add. No parameters;
// connections 0, as torchinfo counts a functional add.
import type { AddSpec } from '../model/types';
import { expectFields, optionalName } from './fields';
import type { LayerKind } from './kind';

const FIELDS = ['type', 'name'] as const;

export const add: LayerKind<AddSpec> = {
  namePrefix: () => 'add',

  parse(raw, where) {
    const fields = expectFields(raw, where, FIELDS);
    const name = optionalName(fields, where);
    return { type: 'add', ...(name !== undefined ? { name } : {}) };
  },

  outputShape: (_spec, input) => [...input],
  params: () => [],
  paramCount: () => 0,
  connections: () => 0,
  // The planner takes the larger field of the two branches; this sees only the first.
  receptiveField: (_spec, field) => field,
  init: () => {},
  native: () => ({ kind: 'add' }),
  describe: () => 'add',
};
