// The files `cnn predict` reads from its arguments: a file as given, a directory as every
// image inside it (recursively, sorted by path; hidden and non-image files skipped, a
// folder reached twice through a symbolic link visited once).
import * as fs from 'node:fs';
import { Walker } from '../data/image-folder';

export interface ExpandedPaths {
  files: string[];
  /** Per directory argument, what was skipped (non-image files, link loops), for a note. */
  notes: string[];
}

export function expandImagePaths(args: string[]): ExpandedPaths {
  const files: string[] = [];
  const notes: string[] = [];
  for (const arg of args) {
    let isDir = false;
    try {
      isDir = fs.statSync(arg).isDirectory();
    } catch {
      // Missing or unreadable: the reader names it.
    }
    if (!isDir) {
      files.push(arg);
      continue;
    }
    const walker = new Walker(arg);
    const found = walker.walk(arg).map((f) => f.file);
    if (found.length === 0) notes.push(`${arg}: no image files in this directory`);
    if (walker.skippedNonImages > 0)
      notes.push(
        `${arg}: ${walker.skippedNonImages} non-image file${walker.skippedNonImages === 1 ? '' : 's'} skipped`,
      );
    if (walker.loops.length > 0)
      notes.push(
        `${arg}: ${walker.loops.length} folder${walker.loops.length === 1 ? '' : 's'} reached again through a symbolic link skipped`,
      );
    files.push(...found);
  }
  return { files, notes };
}
