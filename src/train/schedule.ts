// Learning-rate schedules, as a pure function of progress so that a resumed run computes
// exactly the rates an uninterrupted one would.

export type ScheduleName = 'constant' | 'cosine' | 'step';
export const SCHEDULES: ScheduleName[] = ['constant', 'cosine', 'step'];

export interface ScheduleSettings {
  schedule: ScheduleName;
  lr: number;
  epochs: number;
  /** For 'step': divide by 10 every this many epochs. */
  stepEvery: number;
  /** Linear warm-up over this many epochs (fractional allowed); 0 for none. */
  warmupEpochs: number;
}

/** The learning rate for a step, with progress = epochs completed (fractional). */
export function learningRateAt(s: ScheduleSettings, progress: number): number {
  let lr: number;
  switch (s.schedule) {
    case 'constant':
      lr = s.lr;
      break;
    case 'cosine':
      lr = 0.5 * s.lr * (1 + Math.cos(Math.PI * Math.min(1, progress / s.epochs)));
      break;
    case 'step':
      lr = s.lr * Math.pow(0.1, Math.floor(progress / Math.max(1, s.stepEvery)));
      break;
  }
  if (s.warmupEpochs > 0 && progress < s.warmupEpochs) lr *= (progress + 1e-3) / s.warmupEpochs;
  return Math.max(lr, 1e-12);
}
