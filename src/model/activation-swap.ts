// `--activation relu|tanh|sigmoid|gelu`: the same model with every activation replaced, for the
// lectures' experiments (sigmoid in a deep plain network: vanishing gradients). Every relu,
// tanh, sigmoid and scaled-tanh layer becomes the chosen kind, inside residual blocks too,
// and so does a block's activation after its add. lenet5-classic's scaled tanh
// (1.7159·tanh(2x/3)) is replaced as well: the flag means "this model with that
// nonlinearity". The initialisation scheme and every other layer stay as they are. The
// swapped spec is what the checkpoint stores, so eval and resume rebuild the same network.
import type { LayerSpec, ModelSpec } from './types';

export const SWAP_ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'gelu'] as const;
export type SwapActivation = (typeof SWAP_ACTIVATIONS)[number];

const ACTIVATION_TYPES = new Set(['relu', 'tanh', 'sigmoid', 'scaled-tanh', 'leaky-relu', 'gelu']);

/** The model with its activations replaced, and how many were (0: the model has none). */
export function swapActivations(model: ModelSpec, to: SwapActivation): { model: ModelSpec; swapped: number } {
  let swapped = 0;
  const swapList = (layers: LayerSpec[]): LayerSpec[] =>
    layers.map((layer) => {
      if (ACTIVATION_TYPES.has(layer.type)) {
        swapped++;
        // An explicit name is kept; numbered names follow the new kind (relu1 -> sigmoid1).
        return { type: to, ...(layer.name !== undefined ? { name: layer.name } : {}) } as LayerSpec;
      }
      if (layer.type === 'residual') {
        const activation = layer.activation === null ? null : to;
        if (activation) swapped++;
        return { ...layer, body: swapList(layer.body), activation };
      }
      return layer;
    });
  return { model: { ...model, layers: swapList(model.layers) }, swapped };
}
