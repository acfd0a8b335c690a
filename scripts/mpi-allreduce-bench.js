#!/usr/bin/env node
// Times cnn's ring allreduce (cnn_mpi.node) on gradient-sized Float32Arrays, as the
// distributed trainer calls it once per step. Run under mpirun, e.g.
//   mpirun --oversubscribe -np 2 node scripts/mpi-allreduce-bench.js 272474 138357544
// Each size: one warm-up call, then the median of `repeats` calls; rank 0 prints the result.
const path = require('node:path');
const addon = process.env.CNN_MPI_ADDON
  ? path.resolve(process.env.CNN_MPI_ADDON)
  : path.join(
      path.dirname(
        process.env.CNN_ADDON
          ? path.resolve(process.env.CNN_ADDON)
          : path.join(__dirname, '..', 'build', 'Release', 'cnn.node'),
      ),
      'cnn_mpi.node',
    );
const mpi = require(addon);
const { rank, size, library } = mpi.start();
const counts = process.argv.slice(2).map(Number);
if (counts.length === 0 || counts.some((n) => !(n > 0))) {
  if (rank === 0) console.error('usage: mpirun -np N node scripts/mpi-allreduce-bench.js PARAMS [PARAMS...]');
  mpi.abort(2);
}
const repeats = Number(process.env.REPEATS ?? 5);
if (rank === 0) console.log(`${size} ranks, ${library}`);
for (const n of counts) {
  const buf = new Float32Array(n).fill(rank + 1);
  mpi.allreduceSum(buf, 0.5, 600);
  const times = [];
  for (let k = 0; k < repeats; k++) {
    mpi.barrier(600);
    const t0 = process.hrtime.bigint();
    mpi.allreduceSum(buf, 0.5, 600);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  const mb = (n * 4) / 1e6;
  if (rank === 0)
    console.log(
      `${n.toLocaleString('en-US')} floats (${mb.toFixed(1)} MB): median ${ms.toFixed(2)} ms, ${((((2 * (size - 1)) / size) * mb) / (ms / 1000) / 1000).toFixed(2)} GB/s algorithm bandwidth`,
    );
}
mpi.barrier(600);
mpi.finish();
