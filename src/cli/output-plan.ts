// The output plan of a command: every file it will write, checked before any work starts, so
// that an hour of training never ends in "cannot write". Each output must be a usable target
// (src/io/write-target.ts: regular or absent, writable, in an existing writable directory),
// and none may be one of the run's inputs (a dataset file, a checkpoint being read, the model
// JSON) or another of its outputs. Files are compared by real path (symbolic links resolved)
// and by device and inode (hard links), so no spelling of a path slips through.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, RunError } from './errors';
import { resolveWriteTarget, WriteTargetError } from '../io/write-target';

export interface PlannedOutput {
  /** The option that named it, for messages: "--out", "--metrics", "--onnx" ... */
  option: string;
  file: string;
}

export interface PlannedInput {
  /** The option or argument that named it: "--data", "--resume", "CHECKPOINT" ... */
  option: string;
  /** A file, or a dataset's directory (with `tree`). */
  path: string;
  /** A directory all of whose contents are input: no output may lie anywhere inside it. */
  tree?: boolean;
  /** An output option allowed to replace this input: a resumed run updates its own checkpoint. */
  replacedBy?: string;
}

/**
 * A dataset as inputs: the files it was read from when the reader lists them, else its whole
 * directory (then no output may go anywhere inside it: a picture written into an image
 * folder would become a training image).
 */
export function datasetInputs(dataset: { source: string; files?: string[] }, option = '--data'): PlannedInput[] {
  if (dataset.files && dataset.files.length > 0) return dataset.files.map((f) => ({ option, path: f }));
  return [{ option, path: dataset.source, tree: true }];
}

/** Fails (usage error, exit 2, or run error, exit 1) unless every output can be written safely. */
export function checkOutputPlan(outputs: readonly PlannedOutput[], inputs: readonly PlannedInput[] = []): void {
  const resolved = outputs.map((o) => ({ ...o, identity: outputIdentity(o) }));
  const inputIds = inputs.map((i) => ({ ...i, identity: existingIdentity(i.path) })).filter((i) => i.identity !== null);
  for (const out of resolved) {
    for (const input of inputIds) {
      if (input.replacedBy === out.option) continue;
      const id = input.identity!;
      if (sameFile(out.identity, id)) {
        throw new UsageError(
          `${out.option} ${out.file} is the same file as ${input.option} ${input.path}: writing it would destroy that input; give another output file`,
        );
      }
      if (
        input.tree &&
        id.isDirectory &&
        (isInside(out.identity.realPath, id.realPath) || hardLinkedInside(out.identity, id.realPath))
      ) {
        throw new UsageError(
          `${out.option} ${out.file} lies inside ${input.option} ${input.path} (or is a hard link to a file there): cnn never writes into its input data; give a file outside that directory`,
        );
      }
    }
  }
  for (let i = 0; i < resolved.length; i++) {
    for (let j = i + 1; j < resolved.length; j++) {
      if (sameFile(resolved[i].identity, resolved[j].identity)) {
        throw new UsageError(
          `${resolved[i].option} ${resolved[i].file} and ${resolved[j].option} ${resolved[j].file} are the same file: one would overwrite the other; give two different files`,
        );
      }
    }
  }
}

interface FileIdentity {
  realPath: string;
  /** Device and inode of an existing file; null when it does not exist yet. */
  dev: number | null;
  ino: number | null;
  /** How many names the file has: more than one means a hard link may hide an input. */
  links: number;
  isDirectory: boolean;
}

function outputIdentity(out: PlannedOutput): FileIdentity {
  if (out.file.trim() === '')
    throw new UsageError(`${out.option} "${out.file}": the file name is empty; give a file name`);
  let target;
  try {
    target = resolveWriteTarget(out.file);
  } catch (e) {
    if (e instanceof WriteTargetError) throw new RunError(`${out.option}: ${e.message}`);
    throw e;
  }
  const st = target.existing;
  return {
    realPath: target.realPath,
    dev: st ? st.dev : null,
    ino: st ? st.ino : null,
    links: st ? st.nlink : 0,
    isDirectory: false,
  };
}

/** An input that does not exist cannot be destroyed; the command reports it when it reads it. */
function existingIdentity(file: string): FileIdentity | null {
  try {
    const realPath = fs.realpathSync(file);
    const st = fs.statSync(realPath);
    return { realPath, dev: st.dev, ino: st.ino, links: st.nlink, isDirectory: st.isDirectory() };
  } catch {
    return null;
  }
}

function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  if (a.realPath === b.realPath) return true;
  return a.dev !== null && a.dev === b.dev && a.ino === b.ino;
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** Datasets are a few levels deep (class folders); the walk stops there and after this many entries. */
const HARD_LINK_SEARCH = { depth: 3, entries: 100000 };

/** Whether an existing output with several names is one of the files under `dir`. */
function hardLinkedInside(out: FileIdentity, dir: string): boolean {
  if (out.dev === null || out.links < 2) return false;
  let budget = HARD_LINK_SEARCH.entries;
  const walk = (d: string, depth: number): boolean => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const entry of entries) {
      if (--budget < 0) return false;
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (depth > 0 && walk(full, depth - 1)) return true;
      } else if (entry.isFile()) {
        const st = statOrNull(full);
        if (st && st.dev === out.dev && st.ino === out.ino) return true;
      }
    }
    return false;
  };
  return walk(dir, HARD_LINK_SEARCH.depth);
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}
