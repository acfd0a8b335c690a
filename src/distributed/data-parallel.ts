// Data-parallel training over MPI (cnn train --distributed). Every rank holds the whole
// model; each step it computes gradients on its own slice of the global batch, the ranks sum
// (scale * gradients) with scale = its share of the global batch, so the result is the
// gradient of the global batch's mean loss, and every rank applies the same SGD update.
//
// What is exchanged each step (ring allreduces, native/distributed/collectives.cpp):
// 1. the flat gradient array (the network's own Float32Array, overwritten by every
//    computeGradients). By default in buckets during the backward pass: the network hands
//    each bucket of finished gradients to the MPI addon's step thread, which sums it while
//    the backward pass goes on (native/net/gradient_buckets.h; --gradient-buckets). Otherwise
//    in one allreduce after the step; when batch norm is not synchronized, with the step's
//    change of its running statistics staged into their slots (gradients there are always
//    zero), so the running statistics move by the share-weighted mean of the ranks' changes
//    and stay the same everywhere (a frozen batch norm's change is zero on every rank, so its
//    statistics stay bitwise as they were);
// 2. three doubles: the loss sum, the correct count and "a rank was asked to stop", so
//    progress shows the global batch and Ctrl-C stops every rank at the same step.
// Batch norm is synchronized (unless --no-sync-batch-norm): every trainable batchnorm's
// training statistics and the means in its backward are over the global batch, summed
// across ranks in the middle of the step (kernels/batchnorm.h), so the ranks compute what
// one process would on the whole batch, and its running statistics come out the same on
// every rank. A global batch with fewer images than ranks (a tiny last batch of an epoch)
// leaves some ranks without images; that one step normalises each rank's images alone and
// sums the gradients after the step.
import type { NativeNetwork, SgdSettings, StepResult } from '../native';
import type { Runtime } from '../train/runtime';
import type { Batcher } from '../data/batcher';
import { evaluateSet, resultFromSums, type EvalResult } from '../train/evaluate';
import { RunError } from '../cli/errors';
import { toNativeLayers } from '../model/native-layers';
import { loadMpiAddon, type MpiAddon, type MpiSessionInfo } from './mpi-addon';
import { largestShard, shardOf, type Shard } from './shard';

/** --gradient-buckets default, in MB of float32 gradients per bucket (see docs/distributed.md). */
export const DEFAULT_GRADIENT_BUCKET_MB = 0.25;

/** Gradients per bucket for --gradient-buckets MB (0: no buckets, one allreduce after the step). */
export function bucketFloatsOf(mb: number): number {
  return mb > 0 ? Math.max(1, Math.round((mb * 1024 * 1024) / 4)) : 0;
}

/**
 * Told on every rank at the start of each training step: the rank and how many steps it has
 * taken before this one. A listener may throw, end the process or never return, as a failing
 * rank would (the distributed tests make a rank fail at a chosen step this way).
 */
export type StepStartListener = (rank: number, step: number) => void;

const stepStartListeners: StepStartListener[] = [];

export function onStepStart(listener: StepStartListener): void {
  stepStartListeners.push(listener);
}

/** What the trainer needs (src/train/trainer.ts, TrainJob.parallel). */
export interface ParallelTraining {
  /** Rank 0: the one that prints, writes metrics and checkpoints. */
  readonly isRoot: boolean;
  /** This rank's slice of the global batch [start, start + n) of the epoch order. */
  shard(start: number, n: number): Shard;
  /**
   * One SGD step of the global batch of globalN images, of which x/labels hold this rank's
   * localN (possibly 0). Returns the global batch's mean loss and correct count.
   */
  step(
    net: NativeNetwork,
    x: Float32Array,
    labels: Int32Array,
    localN: number,
    globalN: number,
    sgd: SgdSettings,
  ): Promise<StepResult>;
  /** Evaluation of `count` images: this rank's share, added up across ranks (the same result on every rank). */
  evaluate(runtime: Runtime, batcher: Batcher, count: number, batchSize: number): Promise<EvalResult>;
}

export class DataParallel implements ParallelTraining {
  readonly rank: number;
  readonly size: number;
  readonly isRoot: boolean;
  readonly info: MpiSessionInfo;
  private grads: Float32Array | null = null;
  private params: Float32Array | null = null;
  /** [offset, length] of every batch-norm running statistic in the flat arrays. */
  private runningStats: Array<[number, number]> = [];
  /** The running statistics before this step, packed in runningStats order. */
  private statsBefore = new Float32Array(0);
  private readonly stats = new Float64Array(3);
  private localStop: () => boolean = () => false;
  /** The MPI addon's stepCollectives() handle (null until attach, or when nothing needs it). */
  private collectives: unknown = null;
  /** Batchnorm layers synchronized across ranks (0: none, or --no-sync-batch-norm). */
  syncedBatchNorms = 0;
  /** Gradient buckets overlap the backward pass (--gradient-buckets above 0 and a layout that allows them). */
  bucketed = false;
  private stopAgreed = false;
  private steps = 0;

  private constructor(
    private readonly mpi: MpiAddon,
    private readonly timeoutSeconds: number,
    private readonly syncBatchNorm: boolean,
    private readonly bucketFloats: number,
  ) {
    this.info = mpi.start();
    this.rank = this.info.rank;
    this.size = this.info.size;
    this.isRoot = this.rank === 0;
  }

  /** Initialises MPI. Throws (with how to get it) when the MPI addon is not built. */
  static start(
    timeoutSeconds: number,
    syncBatchNorm = true,
    bucketFloats = bucketFloatsOf(DEFAULT_GRADIENT_BUCKET_MB),
  ): DataParallel {
    preferCopyThroughSharedMemory();
    return new DataParallel(loadMpiAddon(), timeoutSeconds, syncBatchNorm, bucketFloats);
  }

  /** The local network's maxBatch for a global batch of n. */
  localMaxBatch(n: number): number {
    return largestShard(n, this.size);
  }

  /**
   * Binds to the runtime's arrays and makes every rank start from rank 0's parameters and
   * momentum (the same seed gives the same initialisation anyway; this also covers --resume
   * from files that differ between machines).
   */
  attach(runtime: Runtime): void {
    this.grads = runtime.grads;
    this.params = runtime.params;
    this.runningStats = [];
    for (const l of toNativeLayers(runtime.plan)) {
      if (l.kind !== 'batchnorm') continue;
      const channels = l.inShape[0];
      if (l.runningMeanOffset !== undefined && l.runningMeanOffset >= 0)
        this.runningStats.push([l.runningMeanOffset, channels]);
      if (l.runningVarOffset !== undefined && l.runningVarOffset >= 0)
        this.runningStats.push([l.runningVarOffset, channels]);
    }
    this.statsBefore = new Float32Array(this.runningStats.reduce((sum, [, length]) => sum + length, 0));
    if (this.size > 1 && (this.syncBatchNorm || this.bucketFloats > 0)) {
      try {
        this.collectives = this.mpi.stepCollectives(this.timeoutSeconds);
      } catch (e) {
        throw new RunError(
          `--distributed: ${(e as Error).message}. Train with --no-sync-batch-norm --gradient-buckets 0 to keep every collective between steps.`,
        );
      }
      if (this.syncBatchNorm) this.syncedBatchNorms = runtime.net.setBatchNormSync(this.collectives);
      // Buckets need no running statistics to average after the step; step() sets the
      // exchange (or null) with its scale before every computeGradients.
      if (this.bucketFloats > 0 && (this.syncedBatchNorms > 0 || this.runningStats.length === 0))
        this.bucketed = runtime.net.setGradientExchange(this.collectives, 1, this.bucketFloats);
    }
    this.collective('broadcast of the initial parameters', () =>
      this.mpi.broadcast(runtime.params, 0, this.timeoutSeconds),
    );
    this.collective('broadcast of the initial momentum', () =>
      this.mpi.broadcast(runtime.velocity, 0, this.timeoutSeconds),
    );
    const secondMoment = runtime.secondMoment;
    if (secondMoment)
      this.collective('broadcast of the initial second moment', () =>
        this.mpi.broadcast(secondMoment, 0, this.timeoutSeconds),
      );
  }

  /** The local stop request (Ctrl-C, SIGTERM); the ranks agree on it at every step. */
  watchStop(localStop: () => boolean): void {
    this.localStop = localStop;
  }

  /** True once any rank asked to stop, the same on every rank after the same step. */
  get stopRequested(): boolean {
    return this.stopAgreed;
  }

  shard(start: number, n: number): Shard {
    return shardOf(start, n, this.rank, this.size);
  }

  async step(
    net: NativeNetwork,
    x: Float32Array,
    labels: Int32Array,
    localN: number,
    globalN: number,
    sgd: SgdSettings,
  ): Promise<StepResult> {
    const grads = this.grads!;
    const params = this.params!;
    for (const listener of stepStartListeners) listener(this.rank, this.steps);
    let local: StepResult = { loss: 0, correct: 0 };
    const stepText = `step ${this.steps + 1}`;
    // Every rank takes part in every batch-norm sum, so a rank without images would leave
    // the others waiting: such a step (globalN < ranks, the same decision everywhere) runs unsynchronized.
    const syncThisStep = this.syncedBatchNorms > 0 && globalN >= this.size;
    // Synchronized batch norm updates the running statistics from the same global statistics,
    // bitwise, on every rank: only unsynchronized steps average the ranks' changes.
    const averageRunningStats = !syncThisStep && this.runningStats.length > 0;
    if (averageRunningStats) this.packRunningStats(params, this.statsBefore);
    // Buckets summed during the backward pass, when every rank runs one (the same decision
    // everywhere) and no running statistics need averaging afterwards.
    const overlap = this.bucketed && globalN >= this.size && !averageRunningStats;
    if (this.syncedBatchNorms > 0 && !syncThisStep) net.setBatchNormSync(null);
    if (this.bucketed)
      net.setGradientExchange(overlap ? this.collectives : null, overlap ? localN / globalN : 1, this.bucketFloats);
    try {
      if (localN > 0)
        local = await this.collectiveStep(`collectives of ${stepText}`, () =>
          net.computeGradients(x, labels, localN, sgd.seed),
        );
      else grads.fill(0);
    } finally {
      if (this.syncedBatchNorms > 0 && !syncThisStep) net.setBatchNormSync(this.collectives);
    }
    if (!overlap) {
      if (averageRunningStats) this.stageRunningStatChanges(params, grads);
      this.collective(`gradient allreduce of ${stepText}`, () =>
        this.mpi.allreduceSum(grads, localN / globalN, this.timeoutSeconds),
      );
      if (averageRunningStats) this.applyRunningStatChanges(params, grads);
    }
    this.stats[0] = local.loss * localN;
    this.stats[1] = local.correct;
    this.stats[2] = this.localStop() ? 1 : 0;
    this.collective(`loss allreduce of ${stepText}`, () => this.mpi.allreduceSum(this.stats, 1, this.timeoutSeconds));
    if (this.stats[2] > 0) this.stopAgreed = true;
    net.applyUpdate(sgd);
    this.steps++;
    return { loss: this.stats[0] / globalN, correct: Math.round(this.stats[1]) };
  }

  /**
   * Each rank evaluates its contiguous share of the images; one allreduce of the loss sum,
   * the correct count and the confusion matrix gives every rank the whole set's result
   * (bitwise the same everywhere, so the plateau schedule decides alike).
   */
  async evaluate(runtime: Runtime, batcher: Batcher, count: number, batchSize: number): Promise<EvalResult> {
    const part = shardOf(0, count, this.rank, this.size);
    const mine = await evaluateSet(runtime, batcher, count, batchSize, { part });
    const k = mine.confusion.length;
    const sums = new Float64Array(2 + k * k);
    sums[0] = part.n > 0 ? mine.loss * part.n : 0;
    sums[1] = part.n > 0 ? Math.round(mine.accuracy * part.n) : 0;
    mine.confusion.forEach((row, i) =>
      row.forEach((v, j) => {
        sums[2 + i * k + j] = v;
      }),
    );
    this.collective('evaluation allreduce', () => this.mpi.allreduceSum(sums, 1, this.timeoutSeconds));
    const confusion = Array.from({ length: k }, (_, i) => Array.from(sums.subarray(2 + i * k, 2 + (i + 1) * k)));
    return resultFromSums(count, sums[0], sums[1], confusion);
  }

  private packRunningStats(params: Float32Array, into: Float32Array): void {
    let k = 0;
    for (const [offset, length] of this.runningStats) {
      into.set(params.subarray(offset, offset + length), k);
      k += length;
    }
  }

  /** grads[slot] = this step's change of each running statistic (its gradient slot is otherwise zero). */
  private stageRunningStatChanges(params: Float32Array, grads: Float32Array): void {
    let k = 0;
    for (const [offset, length] of this.runningStats) {
      for (let i = 0; i < length; i++) grads[offset + i] = params[offset + i] - this.statsBefore[k + i];
      k += length;
    }
  }

  /** params[slot] = value before the step + the ranks' averaged change; the gradient slot back to zero. */
  private applyRunningStatChanges(params: Float32Array, grads: Float32Array): void {
    let k = 0;
    for (const [offset, length] of this.runningStats) {
      for (let i = 0; i < length; i++) {
        params[offset + i] = this.statsBefore[k + i] + grads[offset + i];
        grads[offset + i] = 0;
      }
      k += length;
    }
  }

  /** Waits for every rank, then MPI_Finalize. */
  finish(): void {
    this.collective('final barrier', () => this.mpi.barrier(this.timeoutSeconds));
    this.mpi.finish();
  }

  /**
   * Runs a collective; if a rank died or hung (timeout) or MPI failed, says so and ends the
   * whole job with MPI_Abort rather than leaving the other ranks waiting.
   */
  private collective(what: string, call: () => void): void {
    try {
      call();
    } catch (e) {
      this.abortOnCollectiveError(e, what);
    }
  }

  /** A network step whose synchronized batch norm sums across ranks: collective() for a promise. */
  private async collectiveStep<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      this.abortOnCollectiveError(e, what);
    }
  }

  /** Rethrows anything but a collective's failure (code ETIMEDOUT or EMPI), which ends the job. */
  private abortOnCollectiveError(e: unknown, what: string): never {
    const err = e as Error & { code?: string };
    if (err.code !== 'ETIMEDOUT' && err.code !== 'EMPI') throw e;
    const cause =
      err.code === 'ETIMEDOUT'
        ? `a rank has died or hung (--collective-timeout ${this.timeoutSeconds} s)`
        : 'MPI reported an error';
    process.stderr.write(
      `cnn train --distributed: rank ${this.rank} of ${this.size}: ${err.message} in the ${what}: ${cause}. Ending the run on every rank (MPI_Abort).\n`,
    );
    return this.mpi.abort(1);
  }
}

/**
 * Open MPI's shared-memory transport copies large messages between ranks on one machine with
 * Linux cross-memory attach (process_vm_readv) by default. In VMs and containers that call
 * can be very slow or refused (in a Firecracker VM it made allreduces many times slower;
 * scripts/mpi-allreduce-bench.js measures it).
 * So unless the user chose (OMPI_MCA_btl_vader_single_copy_mechanism, or mpirun --mca, which
 * sets the same variable), messages go through the shared-memory buffers instead. Open MPI
 * reads the variable in MPI_Init, so this runs before it.
 */
function preferCopyThroughSharedMemory(env: NodeJS.ProcessEnv = process.env): void {
  if (env.OMPI_MCA_btl_vader_single_copy_mechanism === undefined) env.OMPI_MCA_btl_vader_single_copy_mechanism = 'none';
}
