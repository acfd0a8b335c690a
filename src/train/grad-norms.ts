// Per-layer gradient norms for the metrics log (`gradNorms`, with --metrics): the L2 norm of
// each weighted layer's weight gradient (conv, dense, subsample; not batch norm's gamma),
// read from the native network after every GRAD_NORM_EVERY-th step of an epoch (and its first),
// and averaged over those samples at the epoch's end. A read costs one pass over the
// gradients, about as much as one SGD update, so sampling keeps it off the step time.
// A run resumed mid-epoch averages only the steps after the resume for that epoch.
import type { NativeNetwork } from '../native';
import type { Plan } from '../model/types';

export const GRAD_NORM_EVERY = 10;

export class GradNormSampler {
  private readonly layers: { index: number; name: string }[];
  private readonly sums: Float64Array;
  private samples = 0;

  constructor(
    plan: Plan,
    private readonly net: NativeNetwork,
    private readonly every = GRAD_NORM_EVERY,
  ) {
    this.layers = plan.layers
      .filter((l) => l.type !== 'batchnorm' && l.params.some((p) => p.role === 'weight'))
      .map((l) => ({ index: l.index, name: l.name }));
    this.sums = new Float64Array(this.layers.length);
  }

  /** Call after step `step` (0-based within the epoch) has finished. */
  afterStep(step: number): void {
    if (step % this.every !== 0) return;
    const norms = this.net.weightGradNorms();
    this.layers.forEach((l, k) => (this.sums[k] += norms[l.index]));
    this.samples++;
  }

  /** {layerName: mean norm} over the epoch's samples (empty if none), and a fresh start. */
  takeEpochMeans(): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.samples > 0) this.layers.forEach((l, k) => (out[l.name] = this.sums[k] / this.samples));
    this.sums.fill(0);
    this.samples = 0;
    return out;
  }
}
