// How many compute threads a run should use when the user does not say.
//
// The CPUs this process may use are the affinity mask (what `taskset` or a container's cpuset
// allows) capped by the cgroup's CPU quota (a container limited to 1.5 CPUs gets 2 threads,
// not one per host core). On a machine that is busy with other work, threads beyond the idle
// CPUs do not add speed: each kernel's parallel region waits for its slowest thread, and a
// thread that the scheduler has parked behind another process holds up the whole step. So the
// default also leaves out the CPUs that other processes keep busy, sampled once at the start.
import * as fs from 'node:fs';
import * as os from 'node:os';

/** Cumulative CPU time of some CPUs, from /proc/stat. */
export interface CpuTimes {
  busy: number;
  total: number;
}

/** The cgroup CPU quota in CPUs (e.g. 1.5), or null when there is none or it cannot be read. */
export function cgroupCpuQuota(readFile: (file: string) => string = (f) => fs.readFileSync(f, 'utf8')): number | null {
  const tryRead = (file: string): string | null => {
    try {
      return readFile(file).trim();
    } catch {
      return null;
    }
  };
  // cgroup v2: "max 100000" or "150000 100000" (quota and period in microseconds).
  const v2 = tryRead('/sys/fs/cgroup/cpu.max');
  if (v2 !== null) {
    const [quota, period] = v2.split(/\s+/);
    return quota === 'max' ? null : quotaInCpus(Number(quota), Number(period));
  }
  // cgroup v1: a quota of -1 means none.
  const quota = tryRead('/sys/fs/cgroup/cpu/cpu.cfs_quota_us');
  const period = tryRead('/sys/fs/cgroup/cpu/cpu.cfs_period_us');
  if (quota === null || period === null) return null;
  return quotaInCpus(Number(quota), Number(period));
}

function quotaInCpus(quota: number, period: number): number | null {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return null;
  return quota / period;
}

/** CPUs this process may run on: the affinity mask, capped by the cgroup quota (rounded up). */
export function usableCpus(quota: number | null = cgroupCpuQuota()): number {
  const affinity = os.availableParallelism();
  return quota === null ? affinity : Math.max(1, Math.min(affinity, Math.ceil(quota)));
}

/** The CPUs of this process's affinity mask (/proc/self/status), or null where it cannot be read. */
export function allowedCpus(
  status: () => string = () => fs.readFileSync('/proc/self/status', 'utf8'),
): number[] | null {
  let text: string;
  try {
    text = status();
  } catch {
    return null;
  }
  const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(text);
  if (!m) return null;
  const cpus: number[] = [];
  for (const part of m[1].split(',')) {
    const [from, to] = part.split('-').map(Number);
    if (!Number.isInteger(from)) return null;
    for (let cpu = from; cpu <= (to ?? from); cpu++) cpus.push(cpu);
  }
  return cpus;
}

/**
 * Cumulative busy and total CPU time (jiffies) of the given CPUs, from /proc/stat's per-CPU
 * lines; null where /proc is absent or a CPU has no line.
 */
export function readCpuTimes(
  cpus: readonly number[],
  stat: () => string = () => fs.readFileSync('/proc/stat', 'utf8'),
): CpuTimes | null {
  let text: string;
  try {
    text = stat();
  } catch {
    return null;
  }
  const lines = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = /^cpu(\d+)\s/.exec(line);
    if (m) lines.set(Number(m[1]), line);
  }
  const sum = { busy: 0, total: 0 };
  for (const cpu of cpus) {
    const line = lines.get(cpu);
    if (line === undefined) return null;
    // user nice system idle iowait irq softirq steal ...: time stolen by a hypervisor is left
    // out of both sums, since it is neither this machine's work nor idle time it could use.
    const [user, nice, system, idle, iowait, irq, softirq] = line.trim().split(/\s+/).slice(1, 8).map(Number);
    if ([user, nice, system, idle].some((v) => !Number.isFinite(v))) return null;
    const busy = user + nice + system + (irq || 0) + (softirq || 0);
    sum.busy += busy;
    sum.total += busy + idle + (iowait || 0);
  }
  return sum;
}

/**
 * CPUs kept busy by other processes between two samples of `cpuCount` CPUs: their busy share
 * less this process's own CPU time over the same interval.
 */
export function cpusBusyElsewhere(
  before: CpuTimes,
  after: CpuTimes,
  cpuCount: number,
  ownCpuSeconds: number,
  intervalSeconds: number,
): number {
  const total = after.total - before.total;
  if (total <= 0 || intervalSeconds <= 0) return 0;
  const busyCpus = ((after.busy - before.busy) / total) * cpuCount;
  const own = ownCpuSeconds / intervalSeconds;
  return Math.max(0, busyCpus - own);
}

/**
 * The thread count for a run on a machine where `busyElsewhere` CPUs are taken by other
 * processes: the usable CPUs less the busy ones (a CPU counts as busy from 0.6 of one), at
 * least one.
 */
export function threadsBesideOtherWork(usable: number, busyElsewhere: number): number {
  return Math.max(1, Math.min(usable, usable - Math.floor(busyElsewhere + 0.4)));
}

export interface ThreadChoice {
  threads: number;
  usable: number;
  busyElsewhere: number;
}

/** Samples the machine for `sampleMs` and picks the default thread count. */
export async function chooseDefaultThreads(sampleMs = 250): Promise<ThreadChoice> {
  const usable = usableCpus();
  const cpus = allowedCpus();
  const before = cpus === null ? null : readCpuTimes(cpus);
  const ownBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  if (usable === 1 || cpus === null || before === null) return { threads: usable, usable, busyElsewhere: 0 };
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const after = readCpuTimes(cpus);
  if (after === null) return { threads: usable, usable, busyElsewhere: 0 };
  const own = process.cpuUsage(ownBefore);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const busy = cpusBusyElsewhere(before, after, cpus.length, (own.user + own.system) / 1e6, seconds);
  return { threads: threadsBesideOtherWork(usable, busy), usable, busyElsewhere: busy };
}

/** One line for the log: what was chosen and why, when it is fewer than the usable CPUs. */
export function describeThreadChoice(choice: ThreadChoice): string | null {
  if (choice.threads >= choice.usable) return null;
  return `threads: ${choice.threads} of ${choice.usable} CPUs (other processes keep ${choice.busyElsewhere.toFixed(1)} busy; --threads sets the count)`;
}
