// maxpool and avgpool: a window slides over each map and keeps its maximum or its mean.
// No parameters and no connections counted (LeCun and torchinfo count none). Padding is
// limited to half the window, as in PyTorch, so no window lies wholly in the padding.
import type { PoolSpec } from '../model/types';
import { expectFields, optionalName, size2 } from './fields';
import type { LayerKind } from './kind';
import { pairText, stepsText, windowField, windowOutput, windowUnused, type Pair, type Window } from './window';

const FIELDS = ['type', 'name', 'size', 'stride', 'pad'] as const;

type PoolFilled = PoolSpec & { size: Pair; stride: Pair; pad: Pair };

function windowOf(spec: PoolSpec): Window {
  const s = spec as PoolFilled;
  return { noun: 'window', kernel: s.size, stride: s.stride, pad: s.pad };
}

export const pool: LayerKind<PoolSpec> = {
  namePrefix: () => 'pool',

  parse(raw, where) {
    const fields = expectFields(raw, where, FIELDS);
    const type = fields.type as PoolSpec['type'];
    const name = optionalName(fields, where);
    const size = size2(fields, 'size', where, 1, 'kernel');
    const spec: PoolFilled = {
      type,
      ...(name !== undefined ? { name } : {}),
      size,
      stride: size2(fields, 'stride', where, 1, 'kernel', size),
      pad: size2(fields, 'pad', where, 0, 'pad', [0, 0]),
    };
    if (spec.pad[0] > Math.floor(size[0] / 2) || spec.pad[1] > Math.floor(size[1] / 2)) {
      throw new Error(
        `${where}: "pad" must be at most half the window (${Math.floor(size[0] / 2)} for a ${pairText(size)} window), got ${pairText(spec.pad)}`,
      );
    }
    return spec;
  },

  outputShape(spec, input, where) {
    const [oh, ow] = windowOutput(windowOf(spec), input, where);
    return [input[0], oh, ow];
  },

  unusedInput: (spec, input) => windowUnused(windowOf(spec), input),
  params: () => [],
  paramCount: () => 0,
  connections: () => 0,
  receptiveField: (spec, field) => windowField(windowOf(spec), field),
  init: () => {},

  native(layer) {
    const s = layer.spec as PoolFilled;
    return { kind: s.type, kernel: [...s.size] as Pair, stride: [...s.stride] as Pair, pad: [...s.pad] as Pair };
  },

  describe(spec) {
    const s = spec as PoolFilled;
    return `${s.type} ${pairText(s.size)}${stepsText(s.stride, s.pad, s.size)}`;
  },
};
