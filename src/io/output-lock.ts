// An advisory lock on an output file, so two runs writing the same checkpoint at once do not
// silently lose one run's work. Node has no flock(), so the lock is a file beside the target,
// FILE.lock, created with O_EXCL (only one process can create it) and holding the owner's pid
// and host name. A lock whose process is gone (killed with SIGKILL, a crash) is stale and is
// taken over; one held on another host cannot be checked and is respected. The lock is
// removed when released and, whatever the way out (an error, a second Ctrl-C), when the
// process exits.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { describeFsError } from './fs-errors';
import { resolveWriteTarget } from './write-target';

/** Another live run holds the lock, or the lock cannot be taken; the message says what to do. */
export class OutputLockError extends Error {}

export interface OutputLock {
  /** The lock file (beside the real target). */
  readonly file: string;
  release(): void;
}

interface LockOwner {
  pid: number;
  hostname: string;
  started: string;
}

/** A lock file younger than this that cannot be parsed is being written by its owner right now. */
const UNREADABLE_LOCK_GRACE_MS = 10_000;

/** Takes the lock on `target` (the option that named it goes into messages). */
export function lockOutput(target: string, option = '--out'): OutputLock {
  const file = `${resolveWriteTarget(target).realPath}.lock`;
  const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(file, owner)) return heldLock(file);
    const holder = readOwner(file);
    if (!isStale(file, holder)) {
      const who = holder
        ? `pid ${holder.pid} on ${holder.hostname}, since ${holder.started}`
        : 'a process that is writing the lock now';
      throw new OutputLockError(
        `${option} ${target} is being written by another cnn run (${who}); wait for it to finish or give another ${option}. ` +
          `If no such run exists, delete ${file}`,
      );
    }
    try {
      fs.unlinkSync(file);
    } catch {
      /* another process took it over first: try again */
    }
  }
  throw new OutputLockError(
    `${option} ${target}: cannot take the lock ${file}: another run keeps taking it; try again`,
  );
}

function tryCreate(file: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new OutputLockError(`cannot create the lock file ${file}: ${describeFsError(e)}`);
  }
  try {
    fs.writeSync(fd, JSON.stringify(owner) + '\n');
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

function heldLock(file: string): OutputLock {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    // Only our own lock is removed: a stale-lock takeover may have replaced it.
    if (readOwner(file)?.pid === process.pid) {
      try {
        fs.unlinkSync(file);
      } catch {
        /* already gone */
      }
    }
  };
  process.on('exit', release);
  return { file, release };
}

function readOwner(file: string): LockOwner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    if (Number.isSafeInteger(owner.pid) && owner.pid > 0 && typeof owner.hostname === 'string') return owner;
  } catch {
    // unreadable or half written: judged by its age below
  }
  return null;
}

function isStale(file: string, owner: LockOwner | null): boolean {
  if (owner === null) {
    try {
      return Date.now() - fs.statSync(file).mtimeMs > UNREADABLE_LOCK_GRACE_MS;
    } catch {
      return true; // removed meanwhile
    }
  }
  if (owner.hostname !== os.hostname()) return false;
  return !processAlive(owner.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, but another user's
  }
}

/** Locks every output of a run, or none: on a refusal the locks already taken are released. */
export function lockOutputs(outputs: readonly { option: string; file: string }[]): OutputLock[] {
  const locks: OutputLock[] = [];
  try {
    for (const o of outputs) locks.push(lockOutput(o.file, o.option));
  } catch (e) {
    for (const lock of locks) lock.release();
    throw e;
  }
  return locks;
}
