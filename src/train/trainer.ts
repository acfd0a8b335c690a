// The training loop: shuffled minibatches, one native step each (forward, backward and the
// SGD update in one boundary crossing), a test evaluation and a checkpoint per epoch.
// Where training stands is kept explicit (epoch, step, the generator's state at the start
// of the epoch) so a checkpoint taken at any step resumes to the same weights.
import * as fs from 'node:fs';
import { Batcher, epochOrder } from '../data/batcher';
import type { Dataset, ImageSet } from '../data/dataset';
import { isNoAugment, parseAugment, type AugmentPass } from '../data/augment';
import { Rng } from './rng';
import type { Runtime } from './runtime';
import { endEpoch, learningRateAt, plateauStateFromJson, startPlateau, type PlateauState } from './schedule';
import { evaluateSet, type EvalResult } from './evaluate';
import { appendMetrics, type EpochMetrics } from './metrics';
import { GradNormSampler } from './grad-norms';
import type { ProgressReporter } from './progress';
import {
  saveCheckpoint,
  type BestEpoch,
  type DatasetInfo,
  type TrainSettings,
  type TrainingPosition,
} from './training-checkpoint';
import { updateSettings } from './optimizer';
import { bestCheckpointPath } from './keep-best';
import type { ParallelTraining } from '../distributed/data-parallel';

export interface TrainJob {
  runtime: Runtime;
  dataset: Dataset;
  train: ImageSet;
  /** Held-out training images (--val), or null. */
  val: ImageSet | null;
  datasetInfo: DatasetInfo;
  settings: TrainSettings;
  out: string;
  metricsFile: string | null;
  progress: ProgressReporter;
  /** Where to start: null for a fresh run. */
  resumeFrom: TrainingPosition | null;
  /** Write a checkpoint within an epoch after this many milliseconds (0: only at epoch ends). */
  checkpointEveryMs: number;
  /** Polled after every step: true asks the loop to checkpoint and stop. */
  stopRequested: () => boolean;
  /** Called after each epoch with its metrics (the library's 'epoch' event). */
  onEpoch?: (metrics: EpochMetrics) => void;
  /** Record per-layer gradient norms in the epoch metrics (grad-norms.ts). */
  gradNorms?: boolean;
  /** Data-parallel training (--distributed): each rank trains its slice of every global batch; only the root saves. */
  parallel?: ParallelTraining | null;
}

export interface TrainOutcome {
  /** 'done', or 'stopped' when stopRequested ended the run early (a checkpoint was written). */
  status: 'done' | 'stopped';
  epochs: EpochMetrics[];
  finalTest: EvalResult | null;
  position: TrainingPosition;
  /** The epoch (1-based) with the best validation accuracy, when --val was given. */
  bestEpoch: BestEpoch | null;
  /** --early-stop ended the run after this epoch (1-based), before settings.epochs. */
  stoppedEarlyAfter?: number;
}

export class DivergedError extends Error {}

export async function train(job: TrainJob): Promise<TrainOutcome> {
  const { runtime, settings, progress } = job;
  const { net, plan } = runtime;
  const [c, h, w] = plan.input;
  const imageSize = c * h * w;
  const bs = settings.batchSize;
  const trainBatcher = new Batcher(job.train, plan.input, job.dataset.mean, job.dataset.std);
  const testBatcher = new Batcher(job.dataset.test, plan.input, job.dataset.mean, job.dataset.std);
  const valBatcher = job.val ? new Batcher(job.val, plan.input, job.dataset.mean, job.dataset.std) : null;
  const augment = parseAugment(settings.augment);
  // Each image's random transform depends only on (seed, epoch, image index): resumed runs repeat it.
  const augmentFor = (epoch: number): AugmentPass | undefined =>
    isNoAugment(augment) ? undefined : { settings: augment, seed: settings.seed, epoch };
  const count = job.train.count;
  const stepsPerEpoch = Math.ceil(count / bs);

  // Two input buffers: the next batch is assembled while the native step runs.
  const xs = [new Float32Array(bs * imageSize), new Float32Array(bs * imageSize)];
  const ys = [new Int32Array(bs), new Int32Array(bs)];
  const view = (k: number, n: number) =>
    n === bs ? { x: xs[k], y: ys[k] } : { x: xs[k].subarray(0, n * imageSize), y: ys[k].subarray(0, n) };

  const rng = new Rng(settings.seed);
  let position: TrainingPosition = job.resumeFrom ?? {
    epoch: 0,
    stepInEpoch: 0,
    globalStep: 0,
    epochRngState: rng.getState(),
    partial: { lossSum: 0, correct: 0, seen: 0 },
  };
  let plateau: PlateauState = position.plateau ? plateauStateFromJson(position.plateau) : startPlateau(settings);
  let bestEpoch: BestEpoch | null = position.best ?? null;
  const history: EpochMetrics[] = [];
  let finalTest: EvalResult | null = null;
  let lastCheckpoint = Date.now();
  const gradNorms = job.gradNorms ? new GradNormSampler(plan, net) : null;

  const parallel = job.parallel ?? null;
  const saveTo = (file: string) =>
    (parallel && !parallel.isRoot) ||
    saveCheckpoint(
      file,
      plan,
      { params: runtime.params, velocity: runtime.velocity, secondMoment: runtime.secondMoment },
      { dataset: job.datasetInfo, settings, position },
    );
  const save = () => saveTo(job.out);
  // --keep best: a run resumed from its best epoch's checkpoint (which the end of a run moves
  // over --out) holds that epoch's state now; it stays the best file until a better epoch comes.
  const best = bestCheckpointPath(job.out);
  if (
    settings.keep === 'best' &&
    bestEpoch &&
    bestEpoch.epoch === position.epoch &&
    position.stepInEpoch === 0 &&
    !fs.existsSync(best)
  )
    saveTo(best);
  // --early-stop: the epochs since the best validation accuracy (a resumed run counts on).
  const earlyStopDue = (epochsDone: number) =>
    settings.earlyStop !== undefined && bestEpoch !== null && epochsDone - bestEpoch.epoch >= settings.earlyStop;
  if (earlyStopDue(position.epoch) && position.stepInEpoch === 0) {
    return { status: 'done', epochs: history, finalTest, position, bestEpoch, stoppedEarlyAfter: position.epoch };
  }

  for (let epoch = position.epoch; epoch < settings.epochs; epoch++) {
    rng.setState(position.epochRngState);
    const order = epochOrder(count, rng);
    const nextEpochRngState = rng.getState();
    let { lossSum, correct, seen } = position.partial;
    const epochStart = Date.now();
    let timedImages = 0;
    let lr = 0;
    progress.startEpoch(epoch + 1, settings.epochs, stepsPerEpoch);

    let step = position.stepInEpoch;
    let cur = 0;
    const batchLength = (s: number) => Math.min(bs, count - s * bs);
    // This process's part of global batch s: all of it, or its rank's slice.
    const part = (s: number) =>
      parallel ? parallel.shard(s * bs, batchLength(s)) : { start: s * bs, n: batchLength(s) };
    if (step < stepsPerEpoch) {
      const p = part(step);
      const b = view(cur, p.n);
      if (p.n > 0) trainBatcher.fill(order, p.start, p.n, b.x, b.y, augmentFor(epoch));
    }
    for (; step < stepsPerEpoch; step++) {
      const n = batchLength(step);
      const local = part(step).n;
      const b = view(cur, local);
      lr = learningRateAt(settings, epoch + step / stepsPerEpoch, plateau);
      const sgd = updateSettings(settings, lr, position.globalStep, stepSeed(settings.seed, position.globalStep));
      const pending = parallel ? parallel.step(net, b.x, b.y, local, n, sgd) : net.trainStep(b.x, b.y, n, sgd);
      if (step + 1 < stepsPerEpoch) {
        const p = part(step + 1);
        const next = view(1 - cur, p.n);
        if (p.n > 0) trainBatcher.fill(order, p.start, p.n, next.x, next.y, augmentFor(epoch));
      }
      const r = await pending;
      gradNorms?.afterStep(step);
      cur = 1 - cur;
      if (!Number.isFinite(r.loss)) {
        throw new DivergedError(
          `Training diverged at epoch ${epoch + 1}, step ${step + 1} (global step ${position.globalStep + 1}): the loss is ${r.loss}. ` +
            `Try a lower learning rate (--lr ${(settings.lr / 10).toPrecision(2)}). The last good checkpoint, if any, is ${job.out}.`,
        );
      }
      lossSum += r.loss * n;
      correct += r.correct;
      seen += n;
      timedImages += n;
      position = {
        epoch,
        stepInEpoch: step + 1,
        globalStep: position.globalStep + 1,
        epochRngState: position.epochRngState,
        partial: { lossSum, correct, seen },
        plateau,
        ...(bestEpoch ? { best: bestEpoch } : {}),
      };
      const elapsed = (Date.now() - epochStart) / 1000;
      progress.update({
        step: step + 1,
        steps: stepsPerEpoch,
        loss: lossSum / seen,
        accuracy: correct / seen,
        imagesPerSecond: timedImages / Math.max(elapsed, 1e-3),
      });
      if (job.stopRequested()) {
        progress.endEpoch();
        save();
        return { status: 'stopped', epochs: history, finalTest, position, bestEpoch };
      }
      if (
        job.checkpointEveryMs > 0 &&
        Date.now() - lastCheckpoint >= job.checkpointEveryMs &&
        step + 1 < stepsPerEpoch
      ) {
        save();
        lastCheckpoint = Date.now();
      }
    }
    progress.endEpoch();
    const trainSeconds = (Date.now() - epochStart) / 1000;
    // Under --distributed every rank evaluates its share and the ranks add up the results.
    const evaluate = (b: Batcher, count: number) =>
      parallel ? parallel.evaluate(runtime, b, count, bs) : evaluateSet(runtime, b, count, bs);
    const test = await evaluate(testBatcher, job.dataset.test.count);
    finalTest = test;
    // Schedules and "best epoch" look at validation images only, never the test set.
    const val = valBatcher ? await evaluate(valBatcher, job.val!.count) : null;
    let newBest = false;
    if (val) {
      if (settings.schedule === 'plateau') plateau = endEpoch(plateau, val.accuracy, settings);
      newBest = !bestEpoch || val.accuracy > bestEpoch.valAccuracy;
      if (newBest) bestEpoch = { epoch: epoch + 1, valAccuracy: val.accuracy, testAccuracy: test.accuracy };
    }
    const metrics: EpochMetrics = {
      epoch: epoch + 1,
      trainLoss: lossSum / Math.max(1, seen),
      trainAccuracy: correct / Math.max(1, seen),
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      imagesPerSecond: timedImages / Math.max(trainSeconds, 1e-3),
      seconds: (Date.now() - epochStart) / 1000,
      lr,
      testClassAccuracy: test.perClass,
      ...(val ? { valLoss: val.loss, valAccuracy: val.accuracy, valClassAccuracy: val.perClass } : {}),
      ...(gradNorms ? { gradNorms: gradNorms.takeEpochMeans() } : {}),
    };
    history.push(metrics);
    if (job.metricsFile) appendMetrics(job.metricsFile, metrics);
    job.onEpoch?.(metrics);
    progress.log(
      `epoch ${epoch + 1}/${settings.epochs}: train loss ${metrics.trainLoss.toFixed(4)} acc ${(100 * metrics.trainAccuracy).toFixed(2)}% | ` +
        (val ? `val loss ${val.loss.toFixed(4)} acc ${(100 * val.accuracy).toFixed(2)}% | ` : '') +
        `test loss ${metrics.testLoss.toFixed(4)} acc ${(100 * metrics.testAccuracy).toFixed(2)}% | ` +
        `${Math.round(metrics.imagesPerSecond).toLocaleString('en-US')} img/s | ${metrics.seconds.toFixed(1)} s`,
    );
    position = {
      epoch: epoch + 1,
      stepInEpoch: 0,
      globalStep: position.globalStep,
      epochRngState: nextEpochRngState,
      partial: { lossSum: 0, correct: 0, seen: 0 },
      plateau,
      ...(bestEpoch ? { best: bestEpoch } : {}),
    };
    save();
    if (newBest && settings.keep === 'best') saveTo(best);
    lastCheckpoint = Date.now();
    if (earlyStopDue(epoch + 1) && epoch + 1 < settings.epochs) {
      progress.log(
        `early stop: no better validation accuracy for ${settings.earlyStop} epoch${settings.earlyStop === 1 ? '' : 's'} (best ${(100 * bestEpoch!.valAccuracy).toFixed(2)}% at epoch ${bestEpoch!.epoch})`,
      );
      return { status: 'done', epochs: history, finalTest, position, bestEpoch, stoppedEarlyAfter: epoch + 1 };
    }
    if (job.stopRequested()) return { status: 'stopped', epochs: history, finalTest, position, bestEpoch };
  }
  return { status: 'done', epochs: history, finalTest, position, bestEpoch };
}

/** The seed of one step's random choices (dropout masks): a hash of the run's seed and the step. */
export function stepSeed(seed: number, globalStep: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(globalStep >>> 0, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}
