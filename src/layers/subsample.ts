// subsample: LeNet-5's trainable subsampling (S2, S4). Each map's window average is
// multiplied by a trainable coefficient and shifted by a trainable bias, one pair per map,
// stored as "<name>.weight" (C) and "<name>.bias" (C). Connections follow the paper's count:
// each output unit reads KH*KW inputs plus its bias.
import type { SubsampleSpec } from '../model/types';
import { expectFields, optionalName, size2 } from './fields';
import type { LayerKind } from './kind';
import { pairText, stepsText, windowField, windowOutput, windowUnused, type Pair, type Window } from './window';

const FIELDS = ['type', 'name', 'size', 'stride'] as const;

type SubsampleFilled = SubsampleSpec & { size: Pair; stride: Pair };

function windowOf(spec: SubsampleSpec): Window {
  const s = spec as SubsampleFilled;
  return { noun: 'window', kernel: s.size, stride: s.stride, pad: [0, 0] };
}

export const subsample: LayerKind<SubsampleSpec> = {
  namePrefix: () => 'subsample',

  parse(raw, where) {
    const fields = expectFields(raw, where, FIELDS);
    const name = optionalName(fields, where);
    const size = size2(fields, 'size', where, 1, 'kernel');
    const spec: SubsampleFilled = {
      type: 'subsample',
      ...(name !== undefined ? { name } : {}),
      size,
      stride: size2(fields, 'stride', where, 1, 'kernel', size),
    };
    return spec;
  },

  outputShape(spec, input, where) {
    const [oh, ow] = windowOutput(windowOf(spec), input, where);
    return [input[0], oh, ow];
  },

  unusedInput: (spec, input) => windowUnused(windowOf(spec), input),

  params: (_spec, input) => [
    { role: 'weight', shape: [input[0]] },
    { role: 'bias', shape: [input[0]] },
  ],

  paramCount: (_spec, input) => 2 * input[0],

  connections(spec, input, output) {
    const [kh, kw] = (spec as SubsampleFilled).size;
    return output[1] * output[2] * input[0] * (kh * kw + 1);
  },

  receptiveField: (spec, field) => windowField(windowOf(spec), field),

  init(_layer, [coefficients, bias]) {
    // A coefficient of 1 starts the layer as plain average pooling, which keeps the scaled
    // tanh that follows in its working range whatever the weight scheme; the paper's
    // U(-2.4/F, 2.4/F) draw would start many maps near zero or sign-flipped.
    coefficients.fill(1);
    bias.fill(0);
  },

  native(layer) {
    const s = layer.spec as SubsampleFilled;
    return { kind: 'subsample', kernel: [...s.size] as Pair, stride: [...s.stride] as Pair, pad: [0, 0] };
  },

  describe(spec) {
    const s = spec as SubsampleFilled;
    return `subsample ${pairText(s.size)}${stepsText(s.stride, [0, 0], s.size)}`;
  },
};
