// What `cnn datasets DIR` (or a CSV manifest) reports about an image dataset before any
// training: its classes, images per class and split, the sizes and colour modes seen
// (from each image's header; nothing is decoded) and the files that cannot be read.
import { readImageFile } from '../image/image-file';
import { readImageHeader } from '../image/decode';
import type { ImageListing } from './image-listing';
import { stratifiedSplit } from './stratified-split';
import { DEFAULT_TEST_SPLIT, SPLIT_SEED } from './image-folder-dataset';

export interface ImageSurvey {
  source: string;
  form: 'folder' | 'csv';
  classNames: string[];
  /** Split name -> images per class (in classNames order). */
  counts: Record<string, number[]>;
  /** How the split was made. */
  split: string;
  /** "WxH" -> images of that size, most frequent first. */
  sizes: [string, number][];
  /** Colour mode (libvips space, channels) -> images. */
  modes: [string, number][];
  unreadable: { file: string; message: string }[];
  notes: string[];
}

export async function surveyImages(listing: ImageListing, testSplit = DEFAULT_TEST_SPLIT): Promise<ImageSurvey> {
  const split = listing.given ?? stratifiedSplit(listing, testSplit, SPLIT_SEED);
  const names = listing.given ? listing.given.splitNames : ['train', 'test'];
  const counts: Record<string, number[]> = {};
  [split.train, split.test].forEach((indices, s) => {
    const perClass = listing.classNames.map(() => 0);
    for (const i of indices) perClass[listing.entries[i].label]++;
    counts[names[s]] = perClass;
  });
  const sizes = new Map<string, number>();
  const modes = new Map<string, number>();
  const unreadable: { file: string; message: string }[] = [];
  for (const entry of listing.entries) {
    try {
      const { bytes, format } = readImageFile(entry.file);
      const header = await readImageHeader(bytes, format, entry.name);
      const size = `${header.width}x${header.height}`;
      sizes.set(size, (sizes.get(size) ?? 0) + 1);
      const mode = `${format} ${header.space} ${header.channels} channel${header.channels === 1 ? '' : 's'}`;
      modes.set(mode, (modes.get(mode) ?? 0) + 1);
    } catch (e) {
      unreadable.push({ file: entry.name, message: (e as Error).message });
    }
  }
  const byCount = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return {
    source: listing.source,
    form: listing.form,
    classNames: listing.classNames,
    counts,
    split: listing.given
      ? `${names[0]}/ and ${names[1]}/ folders`
      : `drawn per class, ${testSplit} for testing (--test-split)`,
    sizes: byCount(sizes),
    modes: byCount(modes),
    unreadable,
    notes: listing.notes,
  };
}

export function formatSurvey(s: ImageSurvey): string {
  const lines = [
    `${s.source}: ${s.form === 'csv' ? 'CSV manifest' : 'image folder'}, ${s.classNames.length} classes, split: ${s.split}`,
  ];
  const splits = Object.keys(s.counts);
  const width = Math.max(5, ...s.classNames.map((n) => n.length));
  lines.push('', `${'class'.padEnd(width)}  ${splits.map((n) => n.padStart(8)).join('')}`);
  s.classNames.forEach((name, c) =>
    lines.push(`${name.padEnd(width)}  ${splits.map((n) => String(s.counts[n][c]).padStart(8)).join('')}`),
  );
  lines.push(
    `${'total'.padEnd(width)}  ${splits.map((n) => String(s.counts[n].reduce((a, b) => a + b, 0)).padStart(8)).join('')}`,
  );
  const shown = s.sizes
    .slice(0, 8)
    .map(([size, n]) => `${size} (${n})`)
    .join(', ');
  lines.push('', `sizes: ${shown}${s.sizes.length > 8 ? `, ... ${s.sizes.length - 8} more sizes` : ''}`);
  lines.push(`modes: ${s.modes.map(([mode, n]) => `${mode} (${n})`).join(', ')}`);
  if (s.unreadable.length > 0) {
    lines.push('', `unreadable (${s.unreadable.length}; train with --skip-bad-images to leave them out):`);
    for (const u of s.unreadable.slice(0, 20)) lines.push(`  ${u.message}`);
    if (s.unreadable.length > 20) lines.push(`  ... ${s.unreadable.length - 20} more`);
  }
  for (const note of s.notes) lines.push(`note: ${note}`);
  return lines.join('\n') + '\n';
}
