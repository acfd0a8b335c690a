// Helpers for the distributed tests: is mpirun there, is cnn_mpi.node built, run cnn under
// mpirun as a user would, and a small MNIST cut so each run takes a second or two.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { CNN, ROOT, type CliResult } from '../cli/run-cli';
import { mpiAddonPath } from '../../src/distributed/mpi-addon';
import { smallMnist as cutMnist } from '../cli/small-mnist';

/** Why mpirun cannot be used here, or null when it can. */
export function mpirunSkipReason(): string | null {
  const v = spawnSync('mpirun', ['--version'], { encoding: 'utf8' });
  return v.error || v.status !== 0 ? 'mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev)' : null;
}

/** Why the distributed training tests cannot run here (no mpirun or no cnn_mpi.node), or null when they can. */
export function mpiSkipReason(): string | null {
  const noMpirun = mpirunSkipReason();
  if (noMpirun) return noMpirun;
  if (!fs.existsSync(mpiAddonPath()))
    return `the MPI addon ${mpiAddonPath()} is not built (MPI was not found at build time)`;
  return null;
}

/** Settings so Open MPI runs in CI containers: as root, more ranks than cores, no ptrace-based copies. */
export const MPI_ENV: NodeJS.ProcessEnv = {
  OMPI_ALLOW_RUN_AS_ROOT: '1',
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
  OMPI_MCA_rmaps_base_oversubscribe: '1',
  OMPI_MCA_btl_vader_single_copy_mechanism: 'none',
};

export interface TimedResult extends CliResult {
  seconds: number;
}

/**
 * `mpirun -np <ranks> cnn <args>`; stdin closed, output captured. `preload`: a module every
 * rank's node loads first (node -r), e.g. the fault injection of rank-fault.ts.
 */
export function mpirunCli(
  ranks: number,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; preload?: string } = {},
): TimedResult {
  const started = Date.now();
  const node = options.preload ? [process.execPath, '-r', options.preload] : [process.execPath];
  const r = spawnSync(
    'mpirun',
    ['--oversubscribe', '--allow-run-as-root', '-np', String(ranks), ...node, CNN, ...args],
    {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...MPI_ENV, ...options.env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60000,
    },
  );
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout,
    stderr: r.stderr,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The first `train` and `test` MNIST images as IDX files in a temporary directory. */
export function smallMnist(train: number, test: number): string {
  return cutMnist(train, test, 'cnn-mpi-mnist-');
}
