// Parses one raw JSON layer into a LayerSpec with every default filled in: its type picks
// the layer kind, the kind checks the rest. A residual block's body is parsed here too,
// layer by layer and recursively, each error naming the path to the layer
// (`net.json: layer 4 (layer1.0) body layer 2 (conv2): "filters" must be ...`).
import { isPlainObject } from '../layers/fields';
import { layerKind, rawLayerType } from '../layers/registry';
import { parseResidualFields } from '../layers/residual';
import { layerNames } from './layer-names';
import { MODEL_LIMITS, structuralLimitText } from './limits';
import type { LayerSpec, ResidualSpec } from './types';

/**
 * Refuses a list of raw layers with more layers in all (residual bodies included) or deeper
 * residual nesting than the limits. It walks the list without recursion, so that a file
 * nested thousands deep gets this message rather than a stack overflow in the parser.
 */
export function checkLayerTree(layers: readonly unknown[], where: string): void {
  let count = 0;
  const pending: Array<{ list: readonly unknown[]; depth: number }> = [{ list: layers, depth: 0 }];
  while (pending.length > 0) {
    const { list, depth } = pending.pop()!;
    count += list.length;
    if (count > MODEL_LIMITS.layers)
      throw new Error(`${where}: the layer count is ${structuralLimitText('layers', count)}`);
    for (const raw of list) {
      const body = isPlainObject(raw) && raw.type === 'residual' ? raw.body : undefined;
      if (!Array.isArray(body)) continue;
      if (depth + 1 > MODEL_LIMITS.nesting) {
        throw new Error(`${where}: the residual nesting depth is ${structuralLimitText('nesting', depth + 1)}`);
      }
      pending.push({ list: body, depth: depth + 1 });
    }
  }
}

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
