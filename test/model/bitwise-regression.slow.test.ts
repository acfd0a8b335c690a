// Results stay bitwise the same across refactorings: a few training steps of lenet5 and
// resnet20 (training-checksum.child.ts) must give the parameters recorded here, per GEMM path
// and thread count (each path sums in its own order, and so do 1 and 2 threads). A path this
// CPU cannot run, or one with no recorded value, is skipped with the reason. The twelve
// trainings take about 20 s on two cores: the price of proving a redesign changed no number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

type GemmPath = 'avx512' | 'avx2' | 'portable';

// sha256 of the parameter array after the child's training. The same bits come out on the
// AVX-512 Intel Xeon and AMD EPYC machines; a new algorithm choice (a layer moving to another
// convolution path) changes them, and such a change is re-recorded here and noted in CHANGELOG.md.
const RECORDED: Record<string, Record<GemmPath, Record<1 | 2, string>>> = {
  lenet5: {
    avx512: {
      1: '85b6ac1e1316d1d12e48f6b2d3f7e4586671ba4239394e1cf245e2e831a67d89',
      2: '85b6ac1e1316d1d12e48f6b2d3f7e4586671ba4239394e1cf245e2e831a67d89',
    },
    avx2: {
      1: 'da64a4ce8ed4624fe381d25a237f60d3970b2c6b3806e7c915fb4f98bcb5dda0',
      2: 'da64a4ce8ed4624fe381d25a237f60d3970b2c6b3806e7c915fb4f98bcb5dda0',
    },
    portable: {
      1: 'b117f687e4655c672a6cb06399c3ce11c6a8d7e35df4fd2db513e6be8668fce5',
      2: 'b117f687e4655c672a6cb06399c3ce11c6a8d7e35df4fd2db513e6be8668fce5',
    },
  },
  resnet20: {
    avx512: {
      1: 'a5798591359953cf4fd0f778ea0425e1030b20e365e90662411de6b580987afe',
      2: 'd851da987daecd84798dbeccfbfd08035d4080e97015e291b143066ef2395906',
    },
    avx2: {
      1: 'a5798591359953cf4fd0f778ea0425e1030b20e365e90662411de6b580987afe',
      2: 'd851da987daecd84798dbeccfbfd08035d4080e97015e291b143066ef2395906',
    },
    portable: {
      1: '1b718cc4243198c2e9d1c554c7b7dc8f0e6b239960b4dd2dc125c416d5f5b22b',
      2: '44630ff58094ca5374eeacfff88a21e1e748907499b10ebcc5fe17c9d7416985',
    },
  },
};

// The CPU features each path needs (native/kernels/gemm_dispatch.cpp); without them
// CNN_GEMM_PATH is ignored and the run would silently test another path.
const NEEDS: Record<GemmPath, string[]> = {
  avx512: ['avx512f', 'avx512vl', 'avx512bw', 'avx512dq', 'avx2', 'fma'],
  avx2: ['avx2', 'fma'],
  portable: [],
};

function cpuFlags(): Set<string> | undefined {
  try {
    const line = fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    return line ? new Set(line.split(':')[1].trim().split(/\s+/)) : undefined;
  } catch {
    return undefined;
  }
}

function whyNot(gemmPath: GemmPath): string | undefined {
  if (gemmPath === 'portable') return undefined;
  if (process.arch !== 'x64') return `the ${gemmPath} path needs an x86-64 CPU`;
  const flags = cpuFlags();
  if (!flags) return `cannot tell from /proc/cpuinfo whether this CPU runs the ${gemmPath} path`;
  const missing = NEEDS[gemmPath].filter((f) => !flags.has(f));
  return missing.length ? `this CPU lacks ${missing.join(', ')} (${gemmPath} path)` : undefined;
}

const child = path.join(__dirname, 'training-checksum.child.js');

for (const model of Object.keys(RECORDED)) {
  for (const gemmPath of ['avx512', 'avx2', 'portable'] as GemmPath[]) {
    for (const threads of [1, 2] as const) {
      const skip = whyNot(gemmPath);
      test(`${model}: ${threads} thread(s), ${gemmPath} GEMM: parameters bitwise as recorded`, { skip }, () => {
        const env = { ...process.env, CNN_GEMM_PATH: gemmPath };
        const out = execFileSync(process.execPath, [child, model, String(threads)], { env, encoding: 'utf8' }).trim();
        assert.equal(out, RECORDED[model][gemmPath][threads]);
      });
    }
  }
}
