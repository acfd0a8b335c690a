// A small builder for an ONNX graph: nodes in topological order, initializers (weights and
// constants) and the tensor rank each value has, so layer converters can ask for a 4-D
// (N, C, H, W) or 2-D (N, features) view of a value without tracking it themselves. The
// result is a plain onnx.IGraphProto that onnx-proto (protobufjs) encodes; nothing here
// writes protobuf bytes.
import { onnx } from 'onnx-proto';
import * as os from 'os';

const HOST_IS_LITTLE_ENDIAN = os.endianness() === 'LE';

export type AttributeValue = number | number[] | string | { float: number };

/** A value in the graph: its name and rank (4: N,C,H,W; 2: N,features after a dense or flatten). */
export interface GraphValue {
  name: string;
  rank: 2 | 4;
}

export class OnnxGraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly usedNames = new Set<string>();
  private constants = 0;

  /** Adds a node named after its (single, already unique) output; returns the output. */
  node(opType: string, inputs: string[], output: string, attributes: Record<string, AttributeValue> = {}): string {
    this.nodes.push({
      opType,
      name: output,
      input: inputs,
      output: [output],
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return output;
  }

  /** A fresh value name derived from `base` (layer names are unique already; helpers add suffixes). */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name); i++) name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }

  /** A float initializer; `values` is copied only when the host is big-endian. */
  floatTensor(name: string, dims: number[], values: Float32Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== values.length)
      throw new Error(`ONNX export: tensor ${name} has ${values.length} values but shape [${dims.join(', ')}]`);
    const unique = this.unique(name);
    this.initializers.push({
      name: unique,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: littleEndian(values),
    });
    return unique;
  }

  /** A float scalar constant (shape []), broadcast by element-wise ops. */
  scalar(value: number, hint: string): string {
    return this.floatTensor(`${hint}_const${this.constants++}`, [], Float32Array.of(value));
  }

  /** An int64 vector constant, e.g. a Reshape target or Pad amounts. */
  int64Tensor(values: number[], hint: string): string {
    const name = this.unique(`${hint}_const${this.constants++}`);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: littleEndian(data),
    });
    return name;
  }

  /** The value viewed as (N, C, H, W): a 2-D value becomes (N, features, 1, 1), as cnn reads a flat input. */
  as4d(value: GraphValue): string {
    if (value.rank === 4) return value.name;
    const shape = this.int64Tensor([0, -1, 1, 1], `${value.name}_as4d`);
    return this.node('Reshape', [value.name, shape], this.unique(`${value.name}_as4d`));
  }

  /** The value viewed as (N, features), flattened in C,H,W order. */
  as2d(value: GraphValue): string {
    if (value.rank === 2) return value.name;
    return this.node('Flatten', [value.name], this.unique(`${value.name}_flat`), { axis: 1 });
  }
}

function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  const Type = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: Type.STRING, s: Buffer.from(value, 'utf8') };
  if (Array.isArray(value)) return { name, type: Type.INTS, ints: value };
  if (typeof value === 'object') return { name, type: Type.FLOAT, f: value.float };
  if (!Number.isInteger(value))
    throw new Error(`ONNX export: attribute ${name} = ${value} must be written as { float } when it is not an integer`);
  return { name, type: Type.INT, i: value };
}

/** The bytes of a typed array in little-endian order (ONNX raw_data), a view when the host is little-endian. */
function littleEndian(values: Float32Array | BigInt64Array): Uint8Array {
  const view = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (HOST_IS_LITTLE_ENDIAN) return view;
  const copy = Buffer.from(view);
  return values instanceof BigInt64Array ? copy.swap64() : copy.swap32();
}
