// The one writer of cnn: every file it produces (checkpoints, ONNX models, pictures, metrics
// logs) goes through writeFileAtomically. The bytes go to a new temporary file beside the
// target, are fsynced, and the temporary file is renamed over the target, then the directory
// is fsynced. A reader therefore sees the old file or the new one, never half of one; on any
// failure (a full disk, a file-size limit) the temporary file is removed and the old target is
// left as it was. The target must pass the rule of write-target.ts; a replaced file keeps its
// mode (and, for root, its owner).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describeFsError } from './fs-errors';
import { resolveWriteTarget, WriteTargetError } from './write-target';

export type FileContents = string | Uint8Array | readonly Uint8Array[];

/** A failed write; the message names the file, says why, and whether the old file is intact. */
export class FileWriteError extends Error {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface WriteOptions {
  /** What the file is, for messages: "checkpoint", "ONNX model", "picture" ... */
  what?: string;
}

/** Replaces (or creates) `file` with `contents`, all or nothing. */
export function writeFileAtomically(file: string, contents: FileContents, options: WriteOptions = {}): void {
  const label = options.what ? `${options.what} ${file}` : file;
  let target;
  try {
    target = resolveWriteTarget(file);
  } catch (e) {
    if (e instanceof WriteTargetError)
      throw new FileWriteError(file, `cannot write ${label}: ${withoutPrefix(e.message, file)}`);
    throw e;
  }
  const { realPath, existing } = target;
  const temp = path.join(
    path.dirname(realPath),
    `${path.basename(realPath)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  let fd: number | undefined;
  try {
    // 'wx': a file (or a planted link) already at the temporary name is never opened.
    fd = fs.openSync(temp, 'wx', existing ? existing.mode & 0o777 : 0o666);
    for (const chunk of chunksOf(contents)) writeFully(fd, chunk);
    if (existing) keepOwnerAndMode(fd, existing);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, realPath);
  } catch (err) {
    if (fd !== undefined) closeQuietly(fd);
    removeQuietly(temp);
    const kept = existing ? `; the previous ${file} is unchanged` : '';
    throw new FileWriteError(file, `cannot write ${label}: ${describeFsError(err)}${kept}`, { cause: err });
  }
  syncDirectory(path.dirname(realPath));
}

/**
 * Adds `text` at the end of `file` (created if absent) by rewriting the whole file atomically.
 * An in-place append that fails midway (a full disk) leaves a torn last line that breaks
 * every later reader of a line-per-record log; rewriting costs a read of the file, which is
 * small for the logs cnn keeps (one line per epoch), and keeps every earlier line intact
 * whatever happens. A last line left without its newline by another program is ended first.
 */
export function appendFileAtomically(file: string, text: string, options: WriteOptions = {}): void {
  let previous: Buffer;
  try {
    previous = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      const label = options.what ? `${options.what} ${file}` : file;
      throw new FileWriteError(file, `cannot append to ${label}: ${describeFsError(e)}`, { cause: e });
    }
    previous = Buffer.alloc(0);
  }
  const needsNewline = previous.length > 0 && previous[previous.length - 1] !== 0x0a;
  const chunks = needsNewline ? [previous, Buffer.from('\n'), Buffer.from(text)] : [previous, Buffer.from(text)];
  writeFileAtomically(file, chunks, options);
}

function chunksOf(contents: FileContents): readonly Uint8Array[] {
  if (typeof contents === 'string') return [Buffer.from(contents, 'utf8')];
  if (contents instanceof Uint8Array) return [contents];
  return contents;
}

function writeFully(fd: number, chunk: Uint8Array): void {
  let written = 0;
  while (written < chunk.length) written += fs.writeSync(fd, chunk, written, chunk.length - written);
}

/** open() applies the umask to a new file's mode; the replaced file's own mode is set exactly. */
function keepOwnerAndMode(fd: number, st: fs.Stats): void {
  fs.fchmodSync(fd, st.mode & 0o7777);
  if (process.getuid?.() === 0 && (st.uid !== 0 || st.gid !== 0)) {
    try {
      fs.fchownSync(fd, st.uid, st.gid);
    } catch {
      /* a file system without owners: the mode is what matters */
    }
  }
}

/** Makes the rename durable; some file systems refuse to fsync a directory, which is not an error. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // EISDIR/EINVAL/EPERM on platforms without directory fsync: the file itself is already synced.
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    /* already failing; the first error is the one to report */
  }
}

function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    /* it may never have been created */
  }
}

/** "cannot write X: the directory ..." from the rule becomes "the directory ..." under our own prefix. */
function withoutPrefix(message: string, file: string): string {
  const prefix = `cannot write ${file}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}
