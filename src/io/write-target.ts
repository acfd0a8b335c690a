// The rule for anything cnn writes: the target is a regular file or absent, writable by its
// mode bits, in an existing writable directory. A symbolic link is followed to the file it
// names and the rule applies there (the link itself is kept; its target is replaced).
// Devices, FIFOs, sockets and directories are refused: replacing /dev/null by a checkpoint,
// or blocking forever on a FIFO, is never what was asked.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeFsError } from './fs-errors';

/** A target that breaks the rule; the message names the file and what to do. */
export class WriteTargetError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

export interface WriteTarget {
  /** The path as the user gave it (for messages). */
  file: string;
  /** The file actually replaced: `file` with symbolic links resolved (its directory too). */
  realPath: string;
  /** The existing file, or null when it is absent. */
  existing: fs.Stats | null;
}

/** Checks `file` against the rule and returns where the bytes will really go. */
export function resolveWriteTarget(file: string): WriteTarget {
  if (file.trim() === '') throw new WriteTargetError(file, 'the output file name is empty; give a file name');
  const link = lstatOrNull(file);
  let realPath: string;
  let existing: fs.Stats | null;
  if (link === null) {
    realPath = path.join(realDirectory(file), path.basename(file));
    existing = null;
  } else {
    try {
      realPath = fs.realpathSync(file);
      existing = fs.statSync(realPath);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (link.isSymbolicLink() && code === 'ENOENT') {
        throw new WriteTargetError(
          file,
          `${file} is a symbolic link to ${fs.readlinkSync(file)}, which does not exist; remove the link or give another file name`,
        );
      }
      throw new WriteTargetError(file, `cannot write ${file}: ${describeFsError(e)}`);
    }
  }
  if (existing) checkExistingFile(file, realPath, existing);
  checkDirectory(file, path.dirname(realPath));
  return { file, realPath, existing };
}

function checkExistingFile(file: string, realPath: string, st: fs.Stats): void {
  const shown = realPath === path.resolve(file) ? file : `${file} (-> ${realPath})`;
  if (st.isDirectory())
    throw new WriteTargetError(file, `${shown} is a directory; give a file name (e.g. ${path.join(file, 'name')})`);
  if (!st.isFile()) {
    throw new WriteTargetError(
      file,
      `${shown} is ${kindOf(st)}, not a regular file; cnn writes only regular files, give another file name`,
    );
  }
  if (!hasWriteBit(st) || !accessible(realPath)) {
    throw new WriteTargetError(
      file,
      `${shown} is read-only (mode ${modeText(st)}); make it writable (chmod u+w) or give another file name`,
    );
  }
}

function checkDirectory(file: string, dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : describeFsError(e);
    throw new WriteTargetError(
      file,
      `cannot write ${file}: the directory ${dir} ${reason}; create it first or give another path`,
    );
  }
  if (!st.isDirectory()) throw new WriteTargetError(file, `cannot write ${file}: ${dir} is not a directory`);
  // As root access(W_OK) says yes to anything; the mode bits still say what the owner meant.
  if (!hasWriteBit(st) || !accessible(dir)) {
    throw new WriteTargetError(
      file,
      `cannot write ${file}: the directory ${dir} is read-only (mode ${modeText(st)}); make it writable or give another path`,
    );
  }
}

/** The real directory of a path that may not exist yet (symbolic links in it resolved). */
function realDirectory(file: string): string {
  const dir = path.dirname(path.resolve(file));
  try {
    return fs.realpathSync(dir);
  } catch {
    return dir; // checkDirectory reports the missing directory
  }
}

function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR')
      throw new WriteTargetError(file, `cannot write ${file}: a part of the path is not a directory`);
    throw new WriteTargetError(file, `cannot write ${file}: ${describeFsError(e)}`);
  }
}

function hasWriteBit(st: fs.Stats): boolean {
  return (st.mode & 0o222) !== 0;
}

/** access(W_OK): catches a read-only mount (EROFS) and, for other users than root, the permissions. */
function accessible(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function modeText(st: fs.Stats): string {
  return (st.mode & 0o7777).toString(8).padStart(3, '0');
}

function kindOf(st: fs.Stats): string {
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}
