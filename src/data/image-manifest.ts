// A CSV manifest as an ImageListing: one `path,label` line per image, paths relative to the
// CSV's folder (or absolute), labels any text (the class names, sorted). A first line
// `path,label` is a header. Fields may be quoted ("a, b.jpg"). The split is drawn
// (--test-split), as for a folder without train/ and test/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from './errors';
import { IMAGE_EXTENSIONS } from '../image/image-file';
import { sortNames, type ImageEntry, type ImageListing } from './image-listing';
import { preview } from './image-folder';

/** A manifest larger than this is refused before it is read. */
const MAX_MANIFEST_BYTES = 512 * 1024 * 1024;

/** The fields of one CSV line (RFC 4180 quoting; no newlines inside fields). */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('an unterminated quoted field');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new Error('text after a closing quote');
    } else {
      const comma = line.indexOf(',', i);
      field = line.slice(i, comma < 0 ? line.length : comma);
      i = comma < 0 ? line.length : comma;
    }
    fields.push(field.trim());
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

export function listImageManifest(csvArg: string): ImageListing {
  const csv = path.resolve(csvArg);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(csv);
  } catch {
    throw new DataError(csvArg, `${csvArg}: no such file or folder`);
  }
  if (!stat.isFile()) throw new DataError(csvArg, `${csvArg} is not a regular file`);
  if (stat.size > MAX_MANIFEST_BYTES)
    throw new DataError(csvArg, `${csvArg}: the manifest is larger than ${MAX_MANIFEST_BYTES / 2 ** 20} MB`);
  const base = path.dirname(csv);
  const lines = fs.readFileSync(csv, 'utf8').split(/\r?\n/);
  const rows: { file: string; name: string; label: string; line: number }[] = [];
  const seen = new Map<string, { label: string; line: number }>();
  const duplicates: string[] = [];
  const notes: string[] = [];
  lines.forEach((text, i) => {
    const lineNo = i + 1;
    if (text.trim() === '' || text.startsWith('#')) return;
    let fields: string[];
    try {
      fields = csvFields(text);
    } catch (e) {
      throw new DataError(csvArg, `${csvArg}:${lineNo}: ${(e as Error).message}; each line is path,label`);
    }
    if (i === 0 && fields[0].toLowerCase() === 'path' && fields[1]?.toLowerCase() === 'label') return;
    if (fields.length !== 2 || fields[0] === '' || fields[1] === '') {
      throw new DataError(
        csvArg,
        `${csvArg}:${lineNo}: expected path,label, found ${JSON.stringify(text.slice(0, 200))}`,
      );
    }
    const [name, label] = fields;
    const file = path.resolve(base, name);
    const before = seen.get(file);
    if (before) {
      if (before.label !== label)
        throw new DataError(
          csvArg,
          `${csvArg}:${lineNo}: ${name} is labelled "${label}" here but "${before.label}" on line ${before.line}`,
        );
      duplicates.push(`${name} (line ${lineNo})`);
      return;
    }
    seen.set(file, { label, line: lineNo });
    rows.push({ file, name, label, line: lineNo });
  });
  const classNames = sortNames(new Set(rows.map((r) => r.label)));
  if (classNames.length === 0) throw new DataError(csvArg, `${csvArg}: no path,label lines found`);
  if (classNames.length === 1)
    throw new DataError(
      csvArg,
      `${csvArg}: every image is labelled "${classNames[0]}"; a classifier needs at least two labels`,
    );
  if (duplicates.length > 0)
    notes.push(
      `${duplicates.length} duplicate line${duplicates.length === 1 ? '' : 's'} listed once: ${preview(duplicates)}`,
    );
  const entries: ImageEntry[] = rows.map((r) => {
    let s: fs.Stats;
    try {
      s = fs.statSync(r.file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new DataError(
        csvArg,
        `${csvArg}:${r.line}: ${r.name}: ${code === 'ENOENT' ? 'no such file' : code === 'ELOOP' ? 'symbolic link loop' : 'cannot be read'}`,
      );
    }
    if (!s.isFile())
      throw new DataError(
        csvArg,
        `${csvArg}:${r.line}: ${r.name} is not a regular file (give image files: ${IMAGE_EXTENSIONS.join(' ')})`,
      );
    return { file: r.file, name: r.name, label: classNames.indexOf(r.label), size: s.size, mtimeMs: s.mtimeMs };
  });
  return { source: csv, form: 'csv', classNames, entries, given: null, notes };
}
