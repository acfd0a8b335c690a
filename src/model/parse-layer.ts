// Parses one raw JSON layer into a LayerSpec with every default filled in: its type picks
// the layer kind, the kind checks the rest. A residual block's body is parsed here too,
// layer by layer and recursively, each error naming the path to the layer
// (`net.json: layer 4 (layer1.0) body layer 2 (conv2): "filters" must be ...`).
import { layerKind, rawLayerType } from '../layers/registry';
import { parseResidualFields } from '../layers/residual';
import { layerNames } from './layer-names';
import type { LayerSpec, ResidualSpec } from './types';

export function parseLayer(raw: unknown, where: string): LayerSpec {
  const type = rawLayerType(raw, where);
  if (type !== 'residual') return layerKind(type).parse(raw, where);
  const block = parseResidualFields(raw, where);
  const names = layerNames(block.body, `${where} body `);
  const body = block.body.map((layer, i) => parseLayer(layer, bodyWhere(where, i, names[i])));
  return { ...block, body } as ResidualSpec;
}

/** Where a body layer is, for messages: `<block's where> body layer <i> (<name>)`. */
export function bodyWhere(blockWhere: string, index: number, name: string): string {
  return `${blockWhere} body layer ${index} (${name})`;
}
