// File-system errors in words: the one place where an errno code (ENOENT, EISDIR, ENOSPC ...)
// becomes a sentence a user can act on. Every reader and writer of cnn reports through here,
// so the same failure reads the same whichever command met it.

/** What went wrong, in words, without the path (callers say which file and what they were doing). */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on the device (the disk is full); free some space and run again';
    case 'EDQUOT':
      return 'the disk quota is exhausted (the disk is full for this user); free some space and run again';
    case 'EFBIG':
      return "file too large: the disk is full for this process (its file-size limit, ulimit -f, or the file system's maximum file size was reached)";
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENAMETOOLONG':
      return 'the file name is too long';
    case 'ELOOP':
      return 'too many symbolic links (a link loop?)';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files; close some programs or raise the limit (ulimit -n)';
    case 'EIO':
      return 'an input/output error on the device';
    case 'EBUSY':
      return 'the file is busy';
    case 'EXDEV':
      return 'the file is on another file system';
    case 'ETXTBSY':
      return 'the file is busy (a running program)';
    default:
      return stripErrnoPrefix(e?.message ?? String(err));
  }
}

/** "cannot read model.json: no such file or directory": an action, the path, and the reason. */
export function fsErrorMessage(action: string, file: string, err: unknown): string {
  return `${action} ${file}: ${describeFsError(err)}`;
}

/** Node's "EXYZ: text, open 'path'" keeps only the text, lower case, when the code is not known above. */
function stripErrnoPrefix(message: string): string {
  const m = /^[A-Z][A-Z0-9_]+: ([^,]+)(?:, .*)?$/.exec(message);
  return m ? m[1] : message;
}
