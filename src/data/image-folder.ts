// A folder of class folders (DIR/<class>/*.png ..., the layout of torchvision's ImageFolder)
// as an ImageListing. If DIR holds train/ and test/ (or val/) folders, each is such a folder
// and they are the splits. Class folders are walked recursively; symbolic links are
// followed, but a folder reached twice (a link loop) is visited once, and a file reached
// twice (by a link) is listed once. Hidden files and non-image files are skipped and counted.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from './errors';
import { IMAGE_EXTENSIONS } from '../image/image-file';
import { isImageName, sortNames, type ImageEntry, type ImageListing } from './image-listing';
import { describeFsError } from '../io/fs-errors';

/** At most this many files are listed: far beyond any folder cnn can train on in memory budgets. */
const MAX_FILES = 10_000_000;
const MAX_DEPTH = 64;

export interface Found {
  file: string;
  name: string;
  size: number;
  mtimeMs: number;
  identity: string;
}

/** Walks a class folder: its images (sorted by name) and what it skipped. */
export class Walker {
  readonly seenFiles = new Map<string, string>();
  private readonly seenDirs = new Set<string>();
  skippedNonImages = 0;
  duplicates: string[] = [];
  loops: string[] = [];
  unreadable: string[] = [];
  total = 0;

  constructor(private readonly root: string) {}

  walk(dir: string, depth = 0): Found[] {
    const identity = this.identityOf(dir);
    if (identity === null) return [];
    if (this.seenDirs.has(identity) || depth > MAX_DEPTH) {
      this.loops.push(path.relative(this.root, dir));
      return [];
    }
    this.seenDirs.add(identity);
    let names: string[];
    try {
      names = sortNames(fs.readdirSync(dir));
    } catch (e) {
      this.unreadable.push(`${path.relative(this.root, dir)} (${describeFsError(e)})`);
      return [];
    }
    const found: Found[] = [];
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const full = path.join(dir, n);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(full);
      } catch (e) {
        // A dangling link or a link loop (ELOOP) on a file.
        this.unreadable.push(
          `${path.relative(this.root, full)} (${(e as NodeJS.ErrnoException).code === 'ELOOP' ? 'symbolic link loop' : 'cannot be read'})`,
        );
        continue;
      }
      if (stat.isDirectory()) {
        found.push(...this.walk(full, depth + 1));
        continue;
      }
      if (!stat.isFile() || !isImageName(n, IMAGE_EXTENSIONS)) {
        this.skippedNonImages++;
        continue;
      }
      const id = `${stat.dev}:${stat.ino}`;
      const name = path.relative(this.root, full);
      const first = this.seenFiles.get(id);
      if (first !== undefined) {
        this.duplicates.push(`${name} (the same file as ${first})`);
        continue;
      }
      this.seenFiles.set(id, name);
      if (++this.total > MAX_FILES)
        throw new DataError(
          this.root,
          `${this.root}: more than ${MAX_FILES.toLocaleString('en-US')} image files; split the dataset`,
        );
      found.push({ file: full, name, size: stat.size, mtimeMs: stat.mtimeMs, identity: id });
    }
    return found;
  }

  private identityOf(dir: string): string | null {
    try {
      const s = fs.statSync(dir);
      return `${s.dev}:${s.ino}`;
    } catch {
      this.loops.push(path.relative(this.root, dir));
      return null;
    }
  }
}

function subfolders(dir: string): string[] {
  return sortNames(
    fs
      .readdirSync(dir, { withFileTypes: true })
      .filter(
        (d) =>
          !d.name.startsWith('.') && (d.isDirectory() || (d.isSymbolicLink() && isDirectory(path.join(dir, d.name)))),
      )
      .map((d) => d.name),
  );
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The split folders when DIR is laid out as train/ + test/ (or val/), else null. */
function splitFolders(dir: string): [string, string] | null {
  const names = new Set(subfolders(dir));
  if (!names.has('train')) return null;
  if (names.has('test')) return ['train', 'test'];
  if (names.has('val')) return ['train', 'val'];
  return null;
}

export function listImageFolder(dirArg: string): ImageListing {
  const dir = path.resolve(dirArg);
  if (!isDirectory(dir))
    throw new DataError(
      dirArg,
      `${dirArg} is not a directory (give a folder of class folders, or a CSV manifest of path,label lines)`,
    );
  const splits = splitFolders(dir);
  const walker = new Walker(dir);
  const notes: string[] = [];
  const perSplit = (splits ?? ['.']).map((s) => {
    const splitDir = path.join(dir, s);
    const classes = subfolders(splitDir);
    const loose = fs
      .readdirSync(splitDir, { withFileTypes: true })
      .filter((d) => !d.name.startsWith('.') && d.isFile()).length;
    if (loose > 0)
      notes.push(
        `${loose} file${loose === 1 ? '' : 's'} directly in ${path.relative(dir, splitDir) || 'the folder'} ignored (images belong in a folder named after their class)`,
      );
    return classes.map((c) => ({ className: c, split: s, found: walker.walk(path.join(splitDir, c)) }));
  });
  const classNames = sortNames(new Set(perSplit.flat().map((g) => g.className)));
  checkClasses(dirArg, classNames, perSplit.flat(), splits);
  const entries: ImageEntry[] = [];
  const indices: number[][] = perSplit.map(() => []);
  perSplit.forEach((groups, s) => {
    for (const g of groups) {
      const label = classNames.indexOf(g.className);
      for (const f of g.found) {
        indices[s].push(entries.length);
        entries.push({ file: f.file, name: f.name, label, size: f.size, mtimeMs: f.mtimeMs });
      }
    }
  });
  if (walker.skippedNonImages > 0)
    notes.push(
      `${walker.skippedNonImages} non-image file${walker.skippedNonImages === 1 ? '' : 's'} skipped (cnn reads ${IMAGE_EXTENSIONS.join(' ')})`,
    );
  if (walker.duplicates.length > 0)
    notes.push(
      `${walker.duplicates.length} duplicate file${walker.duplicates.length === 1 ? '' : 's'} listed once: ${preview(walker.duplicates)}`,
    );
  if (walker.loops.length > 0)
    notes.push(
      `${walker.loops.length} folder${walker.loops.length === 1 ? '' : 's'} reached again through a symbolic link (a loop) and skipped: ${preview(walker.loops)}`,
    );
  if (walker.unreadable.length > 0)
    notes.push(
      `${walker.unreadable.length} unreadable entr${walker.unreadable.length === 1 ? 'y' : 'ies'} skipped: ${preview(walker.unreadable)}`,
    );
  return {
    source: dir,
    form: 'folder',
    classNames,
    entries,
    given: splits ? { train: indices[0], test: indices[1], splitNames: splits } : null,
    notes,
  };
}

interface ClassGroup {
  className: string;
  split: string;
  found: Found[];
}

function checkClasses(
  dirArg: string,
  classNames: string[],
  groups: ClassGroup[],
  splits: [string, string] | null,
): void {
  const where = (g: ClassGroup) => path.join(dirArg, g.split === '.' ? '' : g.split, g.className);
  if (classNames.length === 0) {
    const inside = splits ? `${path.join(dirArg, splits[0])}/` : `${dirArg}/`;
    throw new DataError(
      dirArg,
      `${dirArg}: no class folders found; put each class's images in its own folder: ${inside}<class name>/*.jpg`,
    );
  }
  if (classNames.length === 1) {
    throw new DataError(
      dirArg,
      `${dirArg}: only one class (${classNames[0]}) found; a classifier needs at least two class folders`,
    );
  }
  const empty = groups.filter((g) => g.found.length === 0 && g.split !== 'test' && g.split !== 'val');
  if (empty.length > 0) {
    throw new DataError(
      dirArg,
      `${where(empty[0])}: the class folder has no images (cnn reads ${IMAGE_EXTENSIONS.join(' ')}); add images or remove the folder${empty.length > 1 ? ` (also empty: ${empty.slice(1).map(where).join(', ')})` : ''}`,
    );
  }
  if (splits) {
    const trained = new Set(groups.filter((g) => g.split === splits[0]).map((g) => g.className));
    const untrained = groups.find((g) => g.split === splits[1] && !trained.has(g.className) && g.found.length > 0);
    if (untrained)
      throw new DataError(
        dirArg,
        `${where(untrained)}: class "${untrained.className}" has ${splits[1]} images but no folder in ${path.join(dirArg, splits[0])}; every class needs training images`,
      );
  }
}

export function preview(items: string[], n = 3): string {
  return items.slice(0, n).join(', ') + (items.length > n ? `, ... (${items.length - n} more)` : '');
}
