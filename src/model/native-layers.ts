// The plan as the native network consumes it: one NativeLayerDesc per planned layer, with
// its producers (two for 'add'), shapes, window settings, and the offsets of its weight and
// bias in the flat parameter array (-1 and size 0 for a tensor the layer lacks); batchnorm
// adds its running statistics' offsets. The kind is the native op, which is not always the
// layer's type (gap runs as an avgpool over the whole map). The addon re-checks but never re-derives.
import { layerKind } from '../layers/registry';
import type { NativeLayerDesc } from '../native';
import type { Plan, PlannedLayer } from './types';

/** `frozen`: names of layers that get no update (cnn train --freeze; see src/train/transfer.ts). */
export function toNativeLayers(plan: Plan, frozen: ReadonlySet<string> = new Set()): NativeLayerDesc[] {
  return plan.layers.map((layer) => {
    const desc = toNativeLayer(layer);
    if (frozen.has(layer.name)) desc.frozen = true;
    return desc;
  });
}

function toNativeLayer(layer: PlannedLayer): NativeLayerDesc {
  const weight = layer.params.find((p) => p.role === 'weight');
  const bias = layer.params.find((p) => p.role === 'bias');
  const { kind, ...settings } = layerKind(layer.type).native(layer);
  if (!kind) throw new Error(`layer ${layer.index} (${layer.name}): its kind "${layer.type}" names no native op`);
  const desc: NativeLayerDesc = {
    kind,
    name: layer.name,
    inputs: [...layer.inputs],
    inShape: [...layer.inputShape],
    outShape: [...layer.outputShape],
    ...settings,
    weightOffset: weight ? weight.offset : -1,
    weightSize: weight ? weight.size : 0,
    biasOffset: bias ? bias.offset : -1,
    biasSize: bias ? bias.size : 0,
  };
  if (layer.weightMask) desc.weightMask = layer.weightMask;
  return desc;
}
