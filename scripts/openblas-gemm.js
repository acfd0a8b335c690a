// OpenBLAS beside the addon in scripts/gemm-bench.js: compiles scripts/openblas-bench.cpp once
// (when g++ and Debian's libopenblas-dev are installed) and times one GEMM shape per call, so
// the benchmark can alternate the two libraries shape by shape on a noisy machine.
// OpenBLAS runs with its own CPU detection and with OPENBLAS_CORETYPE=SkylakeX (its AVX-512
// kernels, which 0.3.21 does not pick by itself on recent AMD CPUs); the better one counts.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const SOURCE = path.join(__dirname, 'openblas-bench.cpp');
const CORETYPES = [null, 'SkylakeX'];

/**
 * { time(shape, threads, runs) -> { median, best, coretype } } or { missing: why } when
 * OpenBLAS cannot be built here. shape: [label, transA, transB, m, n, k] as in gemm-bench.js.
 */
function openBlasGemm() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-openblas-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const binary = path.join(dir, 'openblas-bench');
  const build = spawnSync('g++', ['-O2', '-o', binary, SOURCE, '-lopenblas'], { encoding: 'utf8' });
  if (build.error || build.status !== 0) {
    return { missing: 'OpenBLAS not found (install it with `apt-get install -y libopenblas-dev`)' };
  }
  const time = ([, ta, tb, m, n, k], threads, runs) => {
    let better = null;
    for (const coretype of CORETYPES) {
      const env = { ...process.env };
      delete env.OPENBLAS_NUM_THREADS; // the benchmark sets the thread count itself
      if (coretype) env.OPENBLAS_CORETYPE = coretype;
      else delete env.OPENBLAS_CORETYPE;
      const args = ['--shape', m, n, k, ta ? 1 : 0, tb ? 1 : 0, threads, runs].map(String);
      const r = spawnSync(binary, args, { encoding: 'utf8', env });
      if (r.error || r.status !== 0)
        throw new Error(`${binary} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr.trim()}`);
      const [median, best] = r.stdout.trim().split(/\s+/).map(Number);
      if (!better || median > better.median) better = { median, best, coretype: coretype ?? 'auto' };
    }
    return better;
  };
  return { time };
}

module.exports = { openBlasGemm };
