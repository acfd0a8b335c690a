// Initial parameter values: each layer kind fills its own tensors (conv and dense weights
// from the model's scheme using fan-in, and fan-out for xavier and he-normal-fan-out;
// biases 0; subsample coefficients 1; batchnorm gamma 1, beta 0, running mean 0 and
// running variance 1), masked weights exactly 0. Layers draw in plan order from one Rng, so a
// seed gives the same parameters every time.
import { layerKind } from '../layers/registry';
import type { InitSettings } from '../layers/weight-init';
import type { Rng } from '../train/rng';
import type { Plan } from './types';

export function initParams(plan: Plan, params: Float32Array, rng: Rng): void {
  if (params.length !== plan.paramSize) {
    throw new RangeError(
      `initParams: the parameter array has ${params.length} values, but the plan of ${plan.model.name} needs ${plan.paramSize}`,
    );
  }
  const settings: InitSettings = { scheme: plan.model.init ?? 'he-uniform', value: plan.model.initValue ?? 0 };
  for (const layer of plan.layers) {
    if (layer.params.length === 0) continue;
    const tensors = layer.params.map((p) => params.subarray(p.offset, p.offset + p.size));
    layerKind(layer.type).init(layer, tensors, settings, rng);
  }
}
