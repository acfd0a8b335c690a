// What a checkpoint records about an image-folder (or CSV) dataset, so eval, predict and
// resume read the same images, split the same way, and can tell when the split changed.

export interface ImageFolderInfo {
  /** The folder or CSV manifest (absolute). */
  source: string;
  form: 'folder' | 'csv';
  /** The drawn split's test fraction (--test-split), or null when train/ and test/ folders split it. */
  testSplit: number | null;
  /** The seed of the drawn split. */
  splitSeed: number;
  /** A hash of the test files' names (stratified-split.ts), to check a redrawn split. */
  testFingerprint: string;
  /** Unreadable images left out with --skip-bad-images. */
  skipBadImages: boolean;
}

export function checkImageFolderInfo(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'is not an object';
  const v = value as Record<string, unknown>;
  if (typeof v.source !== 'string' || v.source === '') return 'has no "source"';
  if (v.form !== 'folder' && v.form !== 'csv') return 'has a "form" that is neither "folder" nor "csv"';
  if (v.testSplit !== null && !(typeof v.testSplit === 'number' && v.testSplit >= 0 && v.testSplit < 1))
    return 'has a "testSplit" outside [0, 1)';
  if (!Number.isInteger(v.splitSeed)) return 'has a "splitSeed" that is not an integer';
  if (typeof v.testFingerprint !== 'string') return 'has no "testFingerprint"';
  if (typeof v.skipBadImages !== 'boolean') return 'has no "skipBadImages" flag';
  return null;
}
