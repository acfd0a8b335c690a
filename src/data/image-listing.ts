// What an image dataset is before any pixel is read: its classes (sorted names) and, per
// split, the image files with their labels, sizes and modification times (the cache's key).
// Two sources make a listing: a folder of class folders (image-folder.ts) and a CSV
// manifest (image-manifest.ts). Notes collect what was skipped, for the user.

export interface ImageEntry {
  /** Absolute path. */
  file: string;
  /** As shown to the user: relative to the dataset's folder or CSV. */
  name: string;
  label: number;
  size: number;
  mtimeMs: number;
}

export interface ImageListing {
  /** The folder or CSV file (absolute). */
  source: string;
  form: 'folder' | 'csv';
  classNames: string[];
  /** Every image, in a fixed order: the order of the cache's records. */
  entries: ImageEntry[];
  /**
   * Indices into entries of each split given by the layout (train/ and test/ or val/
   * folders), or null when the split is to be drawn (split.ts, --test-split).
   */
  given: { train: number[]; test: number[]; splitNames: [string, string] } | null;
  /** Things skipped or doubtful, one line each (non-image files, duplicates ...). */
  notes: string[];
}

/** Whether a file name has one of the image extensions cnn reads. */
export const isImageName = (name: string, extensions: readonly string[]): boolean => {
  const dot = name.lastIndexOf('.');
  return dot > 0 && extensions.includes(name.slice(dot).toLowerCase());
};

/** Names in the order Python's sorted() gives (code points), as torchvision numbers its classes. */
export function sortNames(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
