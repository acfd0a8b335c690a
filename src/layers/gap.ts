// gap: global average pooling, C x H x W -> C x 1 x 1 (nn.AdaptiveAvgPool2d(1) followed by
// flatten in a ResNet). Its window is the whole map, so a model ending in gap + dense
// accepts any input size. The addon runs it as an avgpool whose window and stride are the
// input's H x W. No parameters or connections, like the other pools.
import type { GapSpec } from '../model/types';
import { expectFields, optionalName } from './fields';
import type { LayerKind } from './kind';
import type { Pair } from './window';

const FIELDS = ['type', 'name'] as const;

export const gap: LayerKind<GapSpec> = {
  namePrefix: () => 'gap',

  parse(raw, where) {
    const fields = expectFields(raw, where, FIELDS);
    const name = optionalName(fields, where);
    return { type: 'gap', ...(name !== undefined ? { name } : {}) };
  },

  outputShape: (_spec, input) => [input[0], 1, 1],
  params: () => [],
  paramCount: () => 0,
  connections: () => 0,
  // Like dense, each output sees the whole image (or more, if padding already widened the field).
  receptiveField: (_spec, field, image) => ({
    size: [Math.max(field.size[0], image[0]), Math.max(field.size[1], image[1])],
    jump: [...image],
  }),
  init: () => {},

  native(layer) {
    const window: Pair = [layer.inputShape[1], layer.inputShape[2]];
    return { kind: 'avgpool', kernel: [...window] as Pair, stride: [...window] as Pair, pad: [0, 0] };
  },

  describe: () => 'global avgpool',
};
