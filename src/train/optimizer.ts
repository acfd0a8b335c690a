// The optimizers `cnn train --optimizer` offers: SGD with momentum (PyTorch's formulation,
// L2 decay added to the gradient) and AdamW (torch.optim.AdamW: decoupled decay, bias
// correction). Both update only conv/dense weights with decay, biases and batch-norm
// parameters without, and never frozen layers. AdamW keeps two moment arrays: its first
// moment lives where SGD keeps its momentum, the second in the runtime's secondMoment.
import type { SgdSettings } from '../native';

export const OPTIMIZERS = ['sgd', 'adamw'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** torch.optim.AdamW's defaults: the learning rate and decay the model's SGD defaults do not fit. */
export const ADAMW_DEFAULTS = { lr: 1e-3, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

/** What an optimizer needs from the run's settings. */
export interface OptimizerSettings {
  /** Absent in checkpoints written before AdamW existed: SGD. */
  optimizer?: OptimizerName;
  momentum: number;
  weightDecay: number;
  /** AdamW: [beta1, beta2] and eps as used (torch's defaults unless stored otherwise). */
  betas?: [number, number];
  eps?: number;
}

export function optimizerOf(s: OptimizerSettings): OptimizerName {
  return s.optimizer ?? 'sgd';
}

/** One step's update settings for the native network; completedSteps updates came before this one. */
export function updateSettings(s: OptimizerSettings, lr: number, completedSteps: number, seed: number): SgdSettings {
  if (optimizerOf(s) === 'sgd') return { lr, momentum: s.momentum, weightDecay: s.weightDecay, seed };
  const [beta1, beta2] = s.betas ?? [ADAMW_DEFAULTS.beta1, ADAMW_DEFAULTS.beta2];
  return {
    lr,
    momentum: 0,
    weightDecay: s.weightDecay,
    seed,
    optimizer: 'adamw',
    beta1,
    beta2,
    eps: s.eps ?? ADAMW_DEFAULTS.eps,
    // The bias corrections count the updates, and a checkpoint stores globalStep: a resumed run continues the count.
    step: completedSteps + 1,
  };
}

/** The update's settings for the log line, e.g. "momentum 0.9, weight decay 0.0005". */
export function describeUpdate(s: OptimizerSettings): string {
  if (optimizerOf(s) === 'sgd') return `momentum ${s.momentum}, weight decay ${s.weightDecay}`;
  const [beta1, beta2] = s.betas ?? [ADAMW_DEFAULTS.beta1, ADAMW_DEFAULTS.beta2];
  return `betas (${beta1}, ${beta2}), eps ${s.eps ?? ADAMW_DEFAULTS.eps}, decoupled weight decay ${s.weightDecay}`;
}
