// Is this process one of several started by an MPI launcher (mpirun, srun)? Read from the
// environment the launchers set, so it works before (and without) MPI being initialised.

/** The number of processes the launcher started, or 1 when not under a launcher. */
export function launcherWorldSize(env: NodeJS.ProcessEnv = process.env): number {
  for (const key of ['OMPI_COMM_WORLD_SIZE', 'PMI_SIZE', 'PMIX_SIZE', 'MPI_LOCALNRANKS']) {
    const n = Number(env[key]);
    if (Number.isInteger(n) && n > 0) return n;
  }
  return 1;
}
