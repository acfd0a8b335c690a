// Loads cnn_mpi.node, the small MPI addon built beside cnn.node when CMake finds MPI
// (native/distributed). It is optional: without it everything but --distributed works.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addonPath } from '../native';

export interface MpiSessionInfo {
  rank: number;
  size: number;
  /** The MPI_THREAD_* level MPI_Init_thread provided (1 = FUNNELED, 2 = SERIALIZED: the collectives during a step, synchronized batch norm and gradient buckets, need 2). */
  threadLevel: number;
  /** This rank's host name. */
  processor: string;
  /** e.g. "Open MPI v4.1.4" */
  library: string;
}

/**
 * The addon's surface. Every call is synchronous on the JS main thread. Collectives throw an
 * Error with code 'ETIMEDOUT' (and peer: the rank waited on) or 'EMPI' instead of hanging.
 */
export interface MpiAddon {
  start(): MpiSessionInfo;
  /** buf = the sum over ranks of (scale * buf), in place; bitwise the same result on every rank. */
  allreduceSum(buf: Float32Array | Float64Array, scale: number, timeoutSeconds: number): void;
  /** Copies root's buf to every rank. */
  broadcast(buf: Float32Array, root: number, timeoutSeconds: number): void;
  barrier(timeoutSeconds: number): void;
  /**
   * The handle for NativeNetwork.setBatchNormSync and setGradientExchange: the collectives a
   * network runs during a step (batch-norm sums, gradient buckets), on a thread of the addon,
   * with this timeout. Throws when the MPI library's thread level is below MPI_THREAD_SERIALIZED.
   */
  stepCollectives(timeoutSeconds: number): unknown;
  /** MPI_Finalize. */
  finish(): void;
  /** MPI_Abort: the launcher ends every rank. Never returns. */
  abort(code: number): never;
}

export const MPI_INSTALL_HINT =
  'Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) and rebuild the addon (npm run build:native); ' +
  'CMake then also builds cnn_mpi.node.';

/** Where cnn_mpi.node is looked for: CNN_MPI_ADDON wins, else beside the main addon. */
export function mpiAddonPath(): string {
  const override = process.env.CNN_MPI_ADDON;
  if (override) return path.resolve(override);
  return path.join(path.dirname(addonPath()), 'cnn_mpi.node');
}

export function mpiAddonAvailable(): boolean {
  return fs.existsSync(mpiAddonPath());
}

/** Loads the MPI addon, or throws an Error that says how to get it. */
export function loadMpiAddon(): MpiAddon {
  const file = mpiAddonPath();
  if (!fs.existsSync(file)) {
    throw new Error(
      `--distributed needs the MPI addon ${file}, which was not built: MPI was not found when cnn was built. ${MPI_INSTALL_HINT}`,
    );
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon is loaded from a path chosen at run time
    return require(file) as MpiAddon;
  } catch (e) {
    throw new Error(
      `--distributed: cannot load the MPI addon ${file}: ${(e as Error).message}. Is the MPI library it was built with still installed? ${MPI_INSTALL_HINT}`,
    );
  }
}
