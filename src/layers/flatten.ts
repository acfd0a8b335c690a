// flatten: C x H x W becomes (C*H*W) x 1 x 1 in C,H,W order, as torch.flatten does. Dense
// layers flatten their input themselves; this exists for models that say it explicitly.
import type { FlattenSpec } from '../model/types';
import { expectFields, optionalName } from './fields';
import type { LayerKind } from './kind';

const FIELDS = ['type', 'name'] as const;

export const flatten: LayerKind<FlattenSpec> = {
  namePrefix: () => 'flatten',

  parse(raw, where) {
    const fields = expectFields(raw, where, FIELDS);
    const name = optionalName(fields, where);
    return { type: 'flatten', ...(name !== undefined ? { name } : {}) };
  },

  outputShape: (_spec, input) => [input[0] * input[1] * input[2], 1, 1],
  params: () => [],
  paramCount: () => 0,
  connections: () => 0,
  receptiveField: (_spec, field) => field,
  init: () => {},
  native: () => ({ kind: 'flatten' }),
  describe: () => 'flatten',
};
