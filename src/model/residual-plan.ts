// Expands a residual block into the layer graph (He et al. 2016): the body in sequence from
// the block's input; the shortcut, either the input itself (identity) or, when the body
// changes the shape, a 1x1 convolution without bias whose stride is the spatial ratio
// followed by batchnorm (the paper's option B, torchvision's "downsample"); an 'add' of the
// two; then the block's activation. Names follow torchvision's BasicBlock, so a block
// named layer1.0 holds layer1.0.conv1, layer1.0.bn1, ..., layer1.0.downsample.0/1.
import type { BatchNormSpec, Conv2dSpec, LayerSpec, ResidualSpec, Shape } from './types';
import type { Cursor, GraphBuilder } from './graph-builder';
import { layerNames } from './layer-names';
import { bodyWhere } from './parse-layer';

/** Plans a list of layers from `from`, inside the blocks `blocks` (full names, outermost first). */
export type PlanLayers = (
  specs: LayerSpec[],
  names: string[],
  from: Cursor,
  blocks: string[],
  whereOf: (index: number, name: string) => string,
) => Cursor;

const sameShape = (a: Shape, b: Shape) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
const shapeText = (shape: Shape) => shape.join('x');

export function expandResidual(
  builder: GraphBuilder,
  spec: ResidualSpec,
  blockName: string,
  from: Cursor,
  blocks: string[],
  where: string,
  planLayers: PlanLayers,
): Cursor {
  const inside = [...blocks, blockName];
  const names = layerNames(spec.body, `${where} body `);
  const body = planLayers(spec.body, names, from, inside, (i, name) => bodyWhere(where, i, name));
  const keepsShape = sameShape(body.shape, from.shape);
  const kind = spec.shortcut ?? (keepsShape ? 'identity' : 'projection');

  let shortcut = from;
  if (kind === 'identity' && !keepsShape) {
    throw new Error(
      `${where}: an identity shortcut needs the body to keep its input's shape, but the body turns ` +
        `${shapeText(from.shape)} into ${shapeText(body.shape)}; use "shortcut": "projection" (or leave "shortcut" out)`,
    );
  }
  if (kind === 'projection') {
    const projection: Conv2dSpec = {
      type: 'conv2d',
      filters: body.shape[0],
      kernel: [1, 1],
      stride: projectionStride(from.shape, body.shape, where),
      pad: [0, 0],
      bias: false,
    };
    const norm: BatchNormSpec = { type: 'batchnorm', eps: 1e-5, momentum: 0.1 };
    shortcut = builder.add(projection, `${blockName}.downsample.0`, [from], inside, `${where} shortcut (downsample.0)`);
    shortcut = builder.add(norm, `${blockName}.downsample.1`, [shortcut], inside, `${where} shortcut (downsample.1)`);
  }

  let out = builder.add({ type: 'add' }, `${blockName}.add`, [body, shortcut], inside, `${where} add`);
  if (spec.activation) {
    const name = `${blockName}.${spec.activation.replace('-', '_')}`;
    out = builder.add({ type: spec.activation }, name, [out], inside, `${where} activation`);
  }
  return out;
}

/** The stride of a 1x1 convolution that maps the block input's H x W onto the body output's. */
function projectionStride(input: Shape, output: Shape, where: string): [number, number] {
  const strideFor = (n: number, m: number) => {
    const s = Math.ceil(n / m);
    return m <= n && Math.floor((n - 1) / s) + 1 === m ? s : undefined;
  };
  const sh = strideFor(input[1], output[1]);
  const sw = strideFor(input[2], output[2]);
  if (sh === undefined || sw === undefined) {
    throw new Error(
      `${where}: the body turns ${shapeText(input)} into ${shapeText(output)}, and no 1x1 convolution with a whole-number stride ` +
        `maps ${input[1]}x${input[2]} onto ${output[1]}x${output[2]}, so the shortcut cannot be projected; make the body's output size a stride of its input's`,
    );
  }
  return [sh, sw];
}
