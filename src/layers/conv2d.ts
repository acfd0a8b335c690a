// conv2d: a 2-D convolution with weights (OC, IC, KH, KW) and an optional bias (OC), as
// PyTorch's nn.Conv2d stores them. An optional partial connection table (LeNet-5's C3) says
// which input maps each output map reads; the weight tensor stays full size so checkpoints
// stay PyTorch-compatible, and a 0/1 mask pins the unconnected weights at zero.
import type { Conv2dSpec, ParamShape } from '../model/types';
import { describeValue, expectFields, optionalBoolean, optionalName, positiveInteger, size2 } from './fields';
import type { LayerKind } from './kind';
import { drawWeights } from './weight-init';
import { pairText, stepsText, windowField, windowOutput, windowUnused, type Pair, type Window } from './window';

const FIELDS = ['type', 'name', 'filters', 'kernel', 'stride', 'pad', 'bias', 'connections'] as const;

/** The spec after parse(): every default filled in. */
type Conv2dFilled = Conv2dSpec & { kernel: Pair; stride: Pair; pad: Pair; bias: boolean };

function filled(spec: Conv2dSpec): Conv2dFilled {
  return spec as Conv2dFilled;
}

function windowOf(spec: Conv2dSpec): Window {
  const s = filled(spec);
  return { noun: 'filter', kernel: s.kernel, stride: s.stride, pad: s.pad };
}

function parseConnections(value: unknown, filters: number, where: string): number[][] | undefined {
  if (value === undefined) return undefined;
  const wording = `"connections" must list, for each of the ${filters} filters, the input maps it reads (distinct non-negative integers)`;
  if (!Array.isArray(value) || value.length !== filters)
    throw new Error(`${where}: ${wording}, got ${describeValue(value)}`);
  return value.map((maps: unknown, filter) => {
    const ok =
      Array.isArray(maps) &&
      maps.length > 0 &&
      maps.every((m) => Number.isInteger(m) && m >= 0) &&
      new Set(maps).size === maps.length;
    if (!ok) throw new Error(`${where}: ${wording}; filter ${filter} has ${describeValue(maps)}`);
    return [...(maps as number[])];
  });
}

/** How many input maps output map `filter` reads: all of them unless a connection table says otherwise. */
function mapsReadBy(spec: Conv2dSpec, inChannels: number, filter: number): number {
  return spec.connections ? spec.connections[filter].length : inChannels;
}

/** Counted, never listed: a full table would be one array per filter, sized by the declared numbers. */
function connectedWeights(spec: Conv2dSpec, inChannels: number): number {
  const [kh, kw] = filled(spec).kernel;
  const maps = spec.connections ? spec.connections.reduce((sum, m) => sum + m.length, 0) : spec.filters * inChannels;
  return maps * kh * kw;
}

export const conv2d: LayerKind<Conv2dSpec> = {
  namePrefix: () => 'conv',

  parse(raw, where) {
    const fields = expectFields(raw, where, FIELDS);
    const name = optionalName(fields, where);
    const filters = positiveInteger(fields, 'filters', where, 'filters');
    const spec: Conv2dFilled = {
      type: 'conv2d',
      ...(name !== undefined ? { name } : {}),
      filters,
      kernel: size2(fields, 'kernel', where, 1, 'kernel'),
      stride: size2(fields, 'stride', where, 1, 'kernel', [1, 1]),
      pad: size2(fields, 'pad', where, 0, 'pad', [0, 0]),
      bias: optionalBoolean(fields, 'bias', where, true),
    };
    const connections = parseConnections(fields.connections, filters, where);
    if (connections) spec.connections = connections;
    return spec;
  },

  outputShape(spec, input, where) {
    for (const [filter, maps] of (spec.connections ?? []).entries()) {
      const outside = maps.find((m) => m >= input[0]);
      if (outside !== undefined) {
        throw new Error(
          `${where}: "connections" of filter ${filter} reads input map ${outside}, but the input has ${input[0]} maps (0..${input[0] - 1})`,
        );
      }
    }
    const [oh, ow] = windowOutput(windowOf(spec), input, where);
    return [spec.filters, oh, ow];
  },

  unusedInput: (spec, input) => windowUnused(windowOf(spec), input),

  params(spec, input) {
    const [kh, kw] = filled(spec).kernel;
    const tensors: ParamShape[] = [{ role: 'weight', shape: [spec.filters, input[0], kh, kw] }];
    if (filled(spec).bias) tensors.push({ role: 'bias', shape: [spec.filters] });
    return tensors;
  },

  paramCount: (spec, input) => connectedWeights(spec, input[0]) + (filled(spec).bias ? spec.filters : 0),

  connections(spec, input, output) {
    return output[1] * output[2] * (connectedWeights(spec, input[0]) + (filled(spec).bias ? spec.filters : 0));
  },

  weightMask(spec, input) {
    if (!spec.connections) return undefined;
    const inChannels = input[0];
    const [kh, kw] = filled(spec).kernel;
    const area = kh * kw;
    const mask = new Float32Array(spec.filters * inChannels * area);
    spec.connections.forEach((maps, filter) => {
      for (const map of maps) mask.fill(1, (filter * inChannels + map) * area, (filter * inChannels + map + 1) * area);
    });
    return mask;
  },

  receptiveField: (spec, field) => windowField(windowOf(spec), field),

  init(layer, [weights, bias], settings, rng) {
    const spec = layer.spec as Conv2dSpec;
    const [kh, kw] = filled(spec).kernel;
    const inChannels = layer.inputShape[0];
    const perFilter = inChannels * kh * kw;
    const fanOut = spec.filters * kh * kw;
    // Fan-in is per output map: a C3 map reading 3 of S2's maps has a fan-in of 75, one reading all 6 has 150.
    for (let filter = 0; filter < spec.filters; filter++) {
      drawWeights(
        weights,
        filter * perFilter,
        perFilter,
        mapsReadBy(spec, inChannels, filter) * kh * kw,
        fanOut,
        settings,
        rng,
        layer.weightMask,
      );
    }
    bias?.fill(0);
  },

  native(layer) {
    const s = filled(layer.spec as Conv2dSpec);
    return { kind: 'conv2d', kernel: [...s.kernel] as Pair, stride: [...s.stride] as Pair, pad: [...s.pad] as Pair };
  },

  describe(spec) {
    const s = filled(spec);
    return `conv2d ${pairText(s.kernel)}${stepsText(s.stride, s.pad)}`;
  },
};
