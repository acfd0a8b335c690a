// How a global batch is split among ranks, and how a launcher is recognised (no MPI needed).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { largestShard, shardOf } from '../../src/distributed/shard';
import { launcherWorldSize } from '../../src/distributed/launcher';
import { parseRankFault } from './rank-fault';

test('the slices of a global batch are contiguous, disjoint, cover it and differ by at most one', () => {
  for (const [start, n, size] of [
    [0, 64, 2],
    [128, 45, 2],
    [90, 7, 3],
    [0, 1, 4],
    [10, 100, 7],
  ]) {
    let next = start;
    const lengths: number[] = [];
    for (let r = 0; r < size; r++) {
      const s = shardOf(start, n, r, size);
      assert.equal(s.start, next, `rank ${r} of ${size} starts where rank ${r - 1} ended`);
      next += s.n;
      lengths.push(s.n);
    }
    assert.equal(next, start + n);
    assert.ok(Math.max(...lengths) - Math.min(...lengths) <= 1, `${lengths}`);
    assert.equal(Math.max(...lengths), largestShard(n, size));
  }
});

test('a batch smaller than the number of ranks leaves some ranks an empty slice', () => {
  assert.deepEqual(
    [0, 1, 2, 3].map((r) => shardOf(10, 2, r, 4).n),
    [0, 1, 0, 1],
  );
});

test('the launcher world size comes from Open MPI, PMI or PMIx variables, else 1', () => {
  assert.equal(launcherWorldSize({}), 1);
  assert.equal(launcherWorldSize({ OMPI_COMM_WORLD_SIZE: '4' }), 4);
  assert.equal(launcherWorldSize({ PMI_SIZE: '3' }), 3);
  assert.equal(launcherWorldSize({ OMPI_COMM_WORLD_SIZE: 'x' }), 1);
});

test('the test-only rank fault is parsed strictly', () => {
  assert.equal(parseRankFault(undefined), null);
  assert.deepEqual(parseRankFault('1:3:hang'), { rank: 1, step: 3, mode: 'hang' });
  assert.throws(() => parseRankFault('1:3:explode'), /rank:step:hang\|exit\|kill/);
});
