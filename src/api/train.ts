// cnn.train(options): `cnn train` from Node. The options are the command's (src/cli/train.ts,
// parsed and defaulted by it: ./options.ts), and the run is the command's own runTrain; the
// library adds events instead of printed output and stop() instead of Ctrl-C.
import { EventEmitter } from 'node:events';
import { registerTrain, runTrain, type TrainCliOptions, type TrainResult } from '../cli/train';
import { StopSignal } from '../cli/interrupt';
import type { EpochMetrics } from '../train/metrics';
import type { ProgressReporter, StepStats as LoopStepStats } from '../train/progress';
import { resolveOptions } from './options';

export type { EpochMetrics, TrainResult };

/** Progress after one training step; loss and accuracy are the epoch's running means. */
export interface StepStats extends LoopStepStats {
  /** The epoch (1-based) and the run's number of epochs. */
  epoch: number;
  epochs: number;
}

/** Options that need the command line (mpirun), not a library call. */
const CLI_ONLY = ['distributed', 'collectiveTimeout', 'gradientBuckets', 'syncBatchNorm'] as const;

/**
 * The options of `cnn train`, named as the flags without dashes in camelCase (--batch-size is
 * batchSize), with numbers as numbers, shapes and label lists as arrays, flags as booleans.
 */
export type TrainOptions = { model: string } & Partial<Omit<TrainCliOptions, (typeof CLI_ONLY)[number] | 'freeze'>> & {
    /** Layer names (as summary() lists them) or blocks that get no update, or "all-but-head". */
    freeze?: string | string[];
  };

export interface TrainingRunEvents {
  /** After each epoch: the object --metrics appends to its file. */
  epoch: [metrics: EpochMetrics];
  /** After each step: progress within the epoch. */
  step: [stats: StepStats];
  /** A line of the log `cnn train` prints (model, data, settings, the epoch lines, the outcome). */
  log: [line: string];
}

export class TrainingRun extends EventEmitter<TrainingRunEvents> {
  /** Resolves when training ends (all epochs, or stop()) and the checkpoint is written; rejects on failure. */
  readonly done: Promise<TrainResult>;
  private readonly stopSignal = new StopSignal();

  /** @internal */
  constructor(model: string, options: TrainCliOptions, isExplicit: (key: string) => boolean) {
    super();
    const progress = this.progressEvents();
    // Started on the next turn of the event loop, so listeners attached after train() returns see every event.
    this.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      runTrain(model, options, { isExplicit, stop: this.stopSignal, progress, onEpoch: (m) => this.emit('epoch', m) }),
    );
  }

  /** Asks the run to finish its current step, save the checkpoint and resolve `done` (status "stopped"). */
  stop(): void {
    this.stopSignal.request();
  }

  private progressEvents(): ProgressReporter {
    let epoch = 0;
    let epochs = 0;
    return {
      startEpoch: (e, total) => {
        epoch = e;
        epochs = total;
      },
      update: (s) => this.emit('step', { ...s, epoch, epochs }),
      endEpoch: () => undefined,
      log: (line) => this.emit('log', line),
    };
  }
}

/**
 * Starts training and returns at once; listen for 'epoch', 'step' and 'log' events and await
 * `run.done`. Throws TypeError or RangeError, naming the option, for options that are wrong
 * in themselves; problems found while starting (a missing dataset, an unwritable `out`) reject `done`.
 */
export function train(options: TrainOptions): TrainingRun {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('cnn.train(): options must be an object with at least { model }');
  const { model, freeze, ...rest } = options;
  if (typeof model !== 'string' || model === '') {
    throw new TypeError(
      'cnn.train(): option "model" must be a model name (see cnn.models()) or a JSON model file\'s path',
    );
  }
  for (const key of CLI_ONLY) {
    if (key in rest)
      throw new TypeError(
        `cnn.train(): option "${key}" is for data-parallel runs started by mpirun: use the command line (cnn train --distributed)`,
      );
  }
  const withFreeze =
    freeze === undefined ? rest : { ...rest, freeze: Array.isArray(freeze) ? freeze.join(',') : freeze };
  const accepted = (key: string) => !(CLI_ONLY as readonly string[]).includes(key);
  const { values, isExplicit } = resolveOptions<TrainCliOptions>('cnn.train()', registerTrain, withFreeze, accepted);
  return new TrainingRun(model, values, isExplicit);
}
