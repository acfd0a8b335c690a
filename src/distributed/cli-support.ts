// What `cnn train` needs for --distributed, kept out of src/cli/train.ts: starting (or
// refusing) data-parallel training, a quiet progress reporter for the ranks other than 0,
// and the default thread count when several ranks share a machine.
import * as os from 'node:os';
import { RunError, UsageError } from '../cli/errors';
import { createProgress, type ProgressReporter } from '../train/progress';
import { bucketFloatsOf, DataParallel, DEFAULT_GRADIENT_BUCKET_MB } from './data-parallel';
import { launcherWorldSize } from './launcher';
import { loadMpiAddon, MPI_INSTALL_HINT, mpiAddonAvailable, mpiAddonPath } from './mpi-addon';

/**
 * --distributed: initialises MPI and returns this rank's DataParallel. Without it: null, or a
 * refusal when an MPI launcher started several copies (they would each train their own model
 * and overwrite one checkpoint).
 */
export function startDistributed(
  asked: boolean,
  timeoutSeconds: number,
  syncBatchNorm = true,
  bucketFloats = bucketFloatsOf(DEFAULT_GRADIENT_BUCKET_MB),
): DataParallel | null {
  const launched = launcherWorldSize();
  if (!asked) {
    if (launched > 1) {
      throw new UsageError(
        `cnn train is running as one of ${launched} MPI processes (mpirun) without --distributed: each would train its own copy ` +
          'and overwrite the same checkpoint. Add --distributed to train one model across them, or run cnn train without mpirun.',
      );
    }
    return null;
  }
  if (!mpiAddonAvailable()) {
    throw new RunError(
      `--distributed needs the MPI addon (${mpiAddonPath()}), which was not built because MPI was not found at build time. ${MPI_INSTALL_HINT}`,
    );
  }
  try {
    loadMpiAddon();
    return DataParallel.start(timeoutSeconds, syncBatchNorm, bucketFloats);
  } catch (e) {
    throw new RunError(`--distributed: ${(e as Error).message}`);
  }
}

/** One line for the log: ranks, hosts, the MPI library. */
export function describeDistributed(dist: DataParallel, batchSize: number): string {
  const per = dist.localMaxBatch(batchSize);
  const bn =
    dist.syncedBatchNorms > 0 ? `, batch norm synchronized across ranks (${dist.syncedBatchNorms} layers)` : '';
  const sums = dist.bucketed
    ? 'gradients summed in buckets during the backward pass'
    : 'gradients summed after each step';
  return `distributed: ${dist.size} rank${dist.size === 1 ? '' : 's'} (${dist.info.library}), global batch ${batchSize}, up to ${per} images per rank per step${bn}, ${sums}`;
}

/** Default --threads for a rank: the cores divided among the ranks on this machine. */
export function defaultRankThreads(env: NodeJS.ProcessEnv = process.env): number {
  const local = Number(env.OMPI_COMM_WORLD_LOCAL_SIZE ?? env.MPI_LOCALNRANKS ?? 1);
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.floor(cores / (Number.isInteger(local) && local > 0 ? local : 1)));
}

/**
 * Progress under --distributed: rank 0 prints plain lines (mpirun gives every rank a
 * pseudo-terminal whatever mpirun's own output is, so a progress bar would fill log files
 * with control characters); the other ranks print nothing.
 */
export function distributedProgress(dist: DataParallel): ProgressReporter {
  if (!dist.isRoot) return { startEpoch() {}, update() {}, endEpoch() {}, log() {} };
  const lines = { isTTY: false, write: (text: string) => process.stdout.write(text) };
  return createProgress(lines as unknown as NodeJS.WriteStream);
}
