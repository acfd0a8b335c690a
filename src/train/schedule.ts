// Learning-rate schedules. constant, cosine and step are pure functions of progress (epochs
// completed, fractional), so a resumed run computes exactly the rates an uninterrupted one
// would. plateau (the AlexNet recipe: divide by 10 when validation accuracy stops improving)
// depends on results, so its state is an explicit plain object the trainer keeps, advances
// once per epoch and stores in the checkpoint as JSON.
//
// How the trainer uses this:
//   let plateau = resumed?.plateau ? plateauStateFromJson(resumed.plateau) : startPlateau(settings);
//   per step:      lr = learningRateAt(settings, epoch + step / stepsPerEpoch, plateau);
//   per epoch end: if (settings.schedule === 'plateau') plateau = endEpoch(plateau, valAccuracy, settings);
//   checkpoint:    metadata.plateau = JSON.stringify(plateau)   (restore with plateauStateFromJson)
// For the other schedules the plateau argument is ignored and may be omitted.
//
// Warm-up applies to any schedule: the rate is multiplied by min(1, (progress + 0.001) /
// warmupEpochs), a linear ramp per step from ~0 to the schedule's rate over the first
// warmupEpochs epochs (fractional allowed). The schedule itself is not delayed by it.

export type ScheduleName = 'constant' | 'cosine' | 'step' | 'plateau';
export const SCHEDULES: ScheduleName[] = ['constant', 'cosine', 'step', 'plateau'];

export const DEFAULT_PLATEAU_PATIENCE = 3;
/** plateau divides the rate by this when validation accuracy has stalled. */
export const PLATEAU_FACTOR = 10;
/** Where warm-up starts, in epochs of progress: the first step gets a small but non-zero rate. */
const WARMUP_START = 1e-3;
const MIN_LR = 1e-12;

export interface ScheduleSettings {
  schedule: ScheduleName;
  lr: number;
  epochs: number;
  /** For 'step': divide by 10 every this many epochs. */
  stepEvery: number;
  /** Linear warm-up over this many epochs (fractional allowed); 0 for none. */
  warmupEpochs: number;
  /** For 'plateau': epochs without a new best validation accuracy before dividing by 10 (default 3). */
  patience?: number;
}

/** Everything plateau remembers; plain numbers, so JSON.stringify/parse round-trips it. */
export interface PlateauState {
  /** The current rate before warm-up. */
  lr: number;
  /** The best validation accuracy so far; null before the first epoch ends. */
  best: number | null;
  /** Epochs since `best` last improved. */
  badEpochs: number;
}

/** The learning rate for a step, with progress = epochs completed (fractional). */
export function learningRateAt(s: ScheduleSettings, progress: number, plateau?: PlateauState): number {
  let lr: number;
  switch (s.schedule) {
    case 'constant':
      lr = s.lr;
      break;
    case 'cosine':
      lr = 0.5 * s.lr * (1 + Math.cos(Math.PI * Math.min(1, progress / Math.max(s.epochs, 1e-9))));
      break;
    case 'step':
      lr = s.lr * Math.pow(0.1, Math.floor(progress / Math.max(1, s.stepEvery)));
      break;
    case 'plateau':
      if (plateau === undefined)
        throw new Error(
          'learningRateAt: the plateau schedule needs its state (startPlateau, then endEpoch after each epoch)',
        );
      lr = plateau.lr;
      break;
  }
  return Math.max(lr * warmupFactor(s.warmupEpochs, progress), MIN_LR);
}

/** Linear ramp from ~0 to 1 over the first warmupEpochs of progress; 1 afterwards or without warm-up. */
export function warmupFactor(warmupEpochs: number, progress: number): number {
  if (!(warmupEpochs > 0) || progress >= warmupEpochs) return 1;
  return Math.min(1, (Math.max(0, progress) + WARMUP_START) / warmupEpochs);
}

/** The plateau state before the first epoch. */
export function startPlateau(s: ScheduleSettings): PlateauState {
  return { lr: s.lr, best: null, badEpochs: 0 };
}

/**
 * The plateau state after an epoch whose validation accuracy (0..1) was `valAccuracy`: a new
 * best resets the count; otherwise, after `patience` epochs without one, the rate is divided
 * by 10 and counting starts again. Returns a new object; the old one is not changed.
 */
export function endEpoch(
  state: PlateauState,
  valAccuracy: number,
  s: Pick<ScheduleSettings, 'patience'> = {},
): PlateauState {
  if (!Number.isFinite(valAccuracy))
    throw new RangeError(`endEpoch: validation accuracy must be a finite number, got ${valAccuracy}`);
  const patience = s.patience ?? DEFAULT_PLATEAU_PATIENCE;
  if (state.best === null || valAccuracy > state.best) return { lr: state.lr, best: valAccuracy, badEpochs: 0 };
  const badEpochs = state.badEpochs + 1;
  if (badEpochs >= patience) return { lr: state.lr / PLATEAU_FACTOR, best: state.best, badEpochs: 0 };
  return { lr: state.lr, best: state.best, badEpochs };
}

/** A PlateauState from parsed JSON (e.g. a checkpoint's metadata), checked field by field. */
export function plateauStateFromJson(value: unknown): PlateauState {
  const bad = (what: string) =>
    new Error(`invalid plateau schedule state in the checkpoint: ${what} (got ${JSON.stringify(value)})`);
  let v: Record<string, unknown> | null;
  try {
    v = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown> | null;
  } catch {
    throw bad('not valid JSON');
  }
  if (v === null || typeof v !== 'object') throw bad('not an object');
  if (typeof v.lr !== 'number' || !(v.lr > 0) || !Number.isFinite(v.lr)) throw bad('lr must be a positive number');
  if (v.best !== null && (typeof v.best !== 'number' || !Number.isFinite(v.best)))
    throw bad('best must be a number or null');
  if (typeof v.badEpochs !== 'number' || !Number.isInteger(v.badEpochs) || v.badEpochs < 0)
    throw bad('badEpochs must be a whole number >= 0');
  return { lr: v.lr, best: v.best as number | null, badEpochs: v.badEpochs };
}
