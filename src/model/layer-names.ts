// Unique layer names, so checkpoint tensors read like a PyTorch module's attributes
// (conv1.weight, fc3.bias). A layer's own "name" wins; the others are numbered per kind in
// order (conv1, conv2, pool1, fc1, relu1, bn1, block1, ...), skipping names a layer already
// claimed. Names are unique within one list of layers: the top level, or one residual
// block's body (whose names the planner prefixes with the block's name).
import { isLayerType, namePrefixOf } from '../layers/registry';
import type { LayerSpec } from './types';

/** Names for raw or parsed layers; `prefix` starts error messages (a file name, a model name, a block's body). */
export function layerNames(layers: readonly unknown[], prefix: string): string[] {
  const explicit = layers.map((raw) => {
    const name = (raw as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? name : undefined;
  });
  const claimedBy = new Map<string, number>();
  explicit.forEach((name, index) => {
    if (name === undefined) return;
    const other = claimedBy.get(name);
    if (other !== undefined)
      throw new Error(
        `${prefix}layer ${index} (${name}): the name "${name}" is already used by layer ${other}; layer names must be unique`,
      );
    claimedBy.set(name, index);
  });
  const counters = new Map<string, number>();
  return layers.map((raw, index) => {
    const own = explicit[index];
    if (own !== undefined) return own;
    const type = (raw as { type?: unknown } | null)?.type;
    // An unknown type is reported by the parser; here it only needs some placeholder name.
    const stem = isLayerType(type) && type !== 'add' ? namePrefixOf(raw as LayerSpec) : 'layer';
    let k = counters.get(stem) ?? 0;
    do k++;
    while (claimedBy.has(`${stem}${k}`));
    counters.set(stem, k);
    return `${stem}${k}`;
  });
}
