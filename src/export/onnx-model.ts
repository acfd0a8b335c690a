// A plan and its parameters as a standard ONNX model: opset 13 (IR version 7, the IR that
// opset 13 shipped with), input "input" (N, C, H, W) float with a dynamic batch dimension
// "N", output "probabilities" (N, classes), the softmax of the last layer, as cnn's own
// forward pass returns. The input is what cnn feeds its network: pixels scaled to [0, 1] and
// normalised per channel with the training set's mean and std, which the model's metadata
// records (cnn.mean, cnn.std) together with the class names. Encoding is onnx-proto's
// (protobufjs code generated from onnx.proto).
import { onnx } from 'onnx-proto';
import type { Plan } from '../model/types';
import { OnnxGraphBuilder, type GraphValue } from './onnx-graph';
import { convertLayer } from './onnx-layers';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'probabilities';

export interface ExportInfo {
  /** cnn's version, recorded as the producer version. */
  producerVersion: string;
  dataset?: { name: string; mean: number[]; std: number[]; classNames: string[] };
}

/** The ONNX model as a message object (before encoding). */
export function buildOnnxModel(plan: Plan, params: Float32Array, info: ExportInfo): onnx.IModelProto {
  if (params.length !== plan.paramSize) {
    throw new Error(
      `ONNX export: model ${plan.model.name} needs ${plan.paramSize} parameter values, got ${params.length}`,
    );
  }
  const graph = new OnnxGraphBuilder();
  const input = graph.unique(INPUT_NAME);
  const output = graph.unique(OUTPUT_NAME);
  const values: GraphValue[] = [];
  const valueOf = (producer: number): GraphValue => (producer < 0 ? { name: input, rank: 4 } : values[producer]);
  for (const layer of plan.layers) {
    values.push(
      convertLayer({ graph, layer, params, inputs: layer.inputs.map(valueOf), output: graph.unique(layer.name) }),
    );
  }
  const logits = graph.as2d(values[values.length - 1]);
  graph.node('Softmax', [logits], output, { axis: 1 });

  const [c, h, w] = plan.input;
  return {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'cnn',
    producerVersion: info.producerVersion,
    docString: describeModel(plan, info),
    graph: {
      name: plan.model.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [tensorValue(input, [{ dimParam: 'N' }, { dimValue: c }, { dimValue: h }, { dimValue: w }])],
      output: [tensorValue(output, [{ dimParam: 'N' }, { dimValue: plan.classes }])],
    },
    metadataProps: metadata(plan, info),
  };
}

/** The encoded model, ready to write to a .onnx file. */
export function encodeOnnxModel(model: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

function tensorValue(name: string, dims: onnx.TensorShapeProto.IDimension[]): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims } } } };
}

function describeModel(plan: Plan, info: ExportInfo): string {
  const [c, h, w] = plan.input;
  const normalisation = info.dataset
    ? `pixels scaled to [0, 1], minus cnn.mean, divided by cnn.std (per channel; see the metadata)`
    : 'normalised as the network was trained';
  return (
    `${plan.model.name} exported by cnn. Input "${INPUT_NAME}": (N, ${c}, ${h}, ${w}) float, ${normalisation}. ` +
    `Output "${OUTPUT_NAME}": (N, ${plan.classes}) softmax probabilities.`
  );
}

function metadata(plan: Plan, info: ExportInfo): onnx.IStringStringEntryProto[] {
  const entries: [string, string][] = [
    ['cnn.model', plan.model.name],
    ['cnn.input', JSON.stringify(plan.input)],
  ];
  if (info.dataset) {
    entries.push(
      ['cnn.dataset', info.dataset.name],
      ['cnn.mean', JSON.stringify(info.dataset.mean)],
      ['cnn.std', JSON.stringify(info.dataset.std)],
      ['cnn.classNames', JSON.stringify(info.dataset.classNames)],
    );
  }
  return entries.map(([key, value]) => ({ key, value }));
}
