// dense: a fully connected layer with weights (OUT, IN) and an optional bias (OUT), as
// PyTorch's nn.Linear. It reads its whole input flattened in C,H,W order (so no explicit
// flatten is needed before it) and outputs OUT x 1 x 1.
import type { DenseSpec, ParamShape, Shape } from '../model/types';
import { expectFields, optionalBoolean, optionalName, positiveInteger } from './fields';
import type { LayerKind } from './kind';
import { denseSettings, drawWeights } from './weight-init';

const FIELDS = ['type', 'name', 'units', 'bias'] as const;

const features = (input: Shape) => input[0] * input[1] * input[2];
const hasBias = (spec: DenseSpec) => spec.bias !== false;

export const dense: LayerKind<DenseSpec> = {
  namePrefix: () => 'fc',

  parse(raw, where) {
    const fields = expectFields(raw, where, FIELDS);
    const name = optionalName(fields, where);
    return {
      type: 'dense',
      ...(name !== undefined ? { name } : {}),
      units: positiveInteger(fields, 'units', where, 'units'),
      bias: optionalBoolean(fields, 'bias', where, true),
    };
  },

  outputShape: (spec) => [spec.units, 1, 1],

  params(spec, input) {
    const tensors: ParamShape[] = [{ role: 'weight', shape: [spec.units, features(input)] }];
    if (hasBias(spec)) tensors.push({ role: 'bias', shape: [spec.units] });
    return tensors;
  },

  paramCount: (spec, input) => spec.units * (features(input) + (hasBias(spec) ? 1 : 0)),
  connections: (spec, input) => spec.units * (features(input) + (hasBias(spec) ? 1 : 0)),

  // Every unit sees every input, so its field is the whole image, and it has no neighbours to step to.
  receptiveField: (_spec, _field, image) => ({ size: [...image], jump: [...image] }),

  init(layer, [weights, bias], settings, rng) {
    const spec = layer.spec as DenseSpec;
    const inFeatures = features(layer.inputShape);
    drawWeights(weights, 0, weights.length, inFeatures, spec.units, denseSettings(settings), rng);
    bias?.fill(0);
  },

  native: () => ({ kind: 'dense' }),
  describe: () => 'dense',
};
