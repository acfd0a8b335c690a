// The default thread count: usable CPUs from the affinity mask and cgroup quota, less the
// CPUs other processes keep busy, sampled from /proc/stat.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import {
  allowedCpus,
  cgroupCpuQuota,
  cpusBusyElsewhere,
  readCpuTimes,
  threadsBesideOtherWork,
  usableCpus,
  chooseDefaultThreads,
} from '../../src/train/cpu-budget';

const files = (map: Record<string, string>) => (file: string) => {
  if (file in map) return map[file];
  throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
};

test('the cgroup quota is read from cgroup v2, then v1; none where unlimited or absent', () => {
  assert.equal(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' })), 1.5);
  assert.equal(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' })), null);
  assert.equal(
    cgroupCpuQuota(
      files({
        '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '200000',
        '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
      }),
    ),
    2,
  );
  assert.equal(
    cgroupCpuQuota(
      files({
        '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1',
        '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
      }),
    ),
    null,
  );
  assert.equal(cgroupCpuQuota(files({})), null);
});

test('usable CPUs are the affinity mask capped by the quota, rounded up, at least one', () => {
  const affinity = os.availableParallelism();
  assert.equal(usableCpus(null), affinity);
  assert.equal(usableCpus(0.3), 1);
  assert.equal(usableCpus(affinity + 10), affinity);
  if (affinity >= 2) assert.equal(usableCpus(1.5), 2);
});

test('the affinity list is parsed from /proc/self/status', () => {
  assert.deepEqual(
    allowedCpus(() => 'Name:\tnode\nCpus_allowed_list:\t0-2,5,7-8\n'),
    [0, 1, 2, 5, 7, 8],
  );
  assert.equal(
    allowedCpus(() => 'Name:\tnode\n'),
    null,
  );
  assert.ok((allowedCpus() ?? [0]).length >= 1);
});

test('CPU times sum only the allowed CPUs and leave steal time out', () => {
  const stat = [
    'cpu  100 0 100 1000 0 0 0 500 0 0',
    'cpu0 10 1 9 100 5 2 3 400 0 0',
    'cpu1 90 0 10 900 0 0 0 100 0 0',
  ].join('\n');
  assert.deepEqual(
    readCpuTimes([0], () => stat),
    { busy: 25, total: 130 },
  );
  assert.deepEqual(
    readCpuTimes([0, 1], () => stat),
    { busy: 125, total: 1130 },
  );
  assert.equal(
    readCpuTimes([2], () => stat),
    null,
  );
});

test('busy CPUs elsewhere leave out this process own time', () => {
  // Two CPUs, both fully busy over one second, one of them with this process.
  assert.equal(cpusBusyElsewhere({ busy: 0, total: 0 }, { busy: 200, total: 200 }, 2, 1, 1), 1);
  // Half busy, all of it this process: nothing elsewhere.
  assert.equal(cpusBusyElsewhere({ busy: 0, total: 0 }, { busy: 100, total: 200 }, 2, 1, 1), 0);
  assert.equal(cpusBusyElsewhere({ busy: 5, total: 5 }, { busy: 5, total: 5 }, 2, 0, 1), 0);
});

test('threads beside other work: one competitor on two CPUs leaves one thread; noise does not', () => {
  assert.equal(threadsBesideOtherWork(2, 1.0), 1);
  assert.equal(threadsBesideOtherWork(2, 0.7), 1);
  assert.equal(threadsBesideOtherWork(2, 0.3), 2);
  assert.equal(threadsBesideOtherWork(2, 5), 1);
  assert.equal(threadsBesideOtherWork(16, 3.2), 13);
  assert.equal(threadsBesideOtherWork(1, 0), 1);
});

test('the sampled choice is within the usable CPUs', async () => {
  const choice = await chooseDefaultThreads(50);
  assert.ok(choice.threads >= 1 && choice.threads <= choice.usable, JSON.stringify(choice));
  assert.equal(choice.usable, usableCpus());
});
