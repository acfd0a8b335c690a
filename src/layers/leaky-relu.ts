// leaky-relu: x for x > 0, else negativeSlope * x (nn.LeakyReLU; the slope defaults to 0.01
// as there). Same shape out as in, no parameters, no connections.
import type { LeakyReluSpec } from '../model/types';
import { expectFields, optionalName, optionalNumber } from './fields';
import type { LayerKind } from './kind';

const FIELDS = ['type', 'name', 'negativeSlope'] as const;

const slopeOf = (spec: LeakyReluSpec) => spec.negativeSlope ?? 0.01;

export const leakyRelu: LayerKind<LeakyReluSpec> = {
  namePrefix: () => 'leaky_relu',

  parse(raw, where) {
    const fields = expectFields(raw, where, FIELDS);
    const name = optionalName(fields, where);
    return {
      type: 'leaky-relu',
      ...(name !== undefined ? { name } : {}),
      negativeSlope: optionalNumber(fields, 'negativeSlope', where, 0.01, {}),
    };
  },

  outputShape: (_spec, input) => [...input],
  params: () => [],
  paramCount: () => 0,
  connections: () => 0,
  receptiveField: (_spec, field) => field,
  init: () => {},
  native: (layer) => ({ kind: 'leaky-relu', negativeSlope: slopeOf(layer.spec as LeakyReluSpec) }),
  describe: (spec) => `leaky-relu ${slopeOf(spec)}`,
};
