// Reads an image file's bytes safely before anything decodes them: only a regular file (a
// FIFO or a device such as /dev/zero would block or never end), recognised by its first
// bytes as one of the formats cnn reads, and no larger than MAX_IMAGE_FILE_BYTES. The
// signature is read first, so a non-image file costs a few bytes, whatever its size.
import * as fs from 'node:fs';
import { MAX_IMAGE_FILE_BYTES } from './limits';
import { describeFsError } from '../io/fs-errors';

export class ImageError extends Error {}

export type ImageFormat = 'PNG' | 'JPEG' | 'GIF' | 'WebP' | 'TIFF';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff'];
export const FORMATS_TEXT = 'PNG, JPEG, WebP, GIF or TIFF';

const SIGNATURE_BYTES = 12;

/** The format told by the first bytes, or null. */
export function formatOf(head: Uint8Array): ImageFormat | null {
  const at = (offset: number, bytes: number[]) => bytes.every((b, i) => head[offset + i] === b);
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'PNG';
  if (at(0, [0xff, 0xd8, 0xff])) return 'JPEG';
  if (at(0, [0x47, 0x49, 0x46, 0x38])) return 'GIF';
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return 'WebP';
  if (at(0, [0x49, 0x49, 0x2a, 0x00]) || at(0, [0x4d, 0x4d, 0x00, 0x2a])) return 'TIFF';
  return null;
}

/** Translates a failed open/read into words (no raw errno codes): the one translation of src/io. */
function reason(e: unknown): string {
  return describeFsError(e);
}

/** The whole file, checked as above; `format` says what its signature is. */
export function readImageFile(file: string): { bytes: Buffer; format: ImageFormat } {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; the check below refuses it.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new ImageError(`cannot read image ${file}: ${reason(e)}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new ImageError(`cannot read image ${file}: it is a directory`);
    if (!stat.isFile())
      throw new ImageError(
        `cannot read image ${file}: it is not a regular file (a device, FIFO or socket); give an image file`,
      );
    const head = Buffer.alloc(SIGNATURE_BYTES);
    const got = fs.readSync(fd, head, 0, SIGNATURE_BYTES, 0);
    const format = formatOf(head.subarray(0, got));
    if (format === null)
      throw new ImageError(
        `${file} is not an image cnn reads (${FORMATS_TEXT}; told by the file's first bytes, not its name)`,
      );
    if (stat.size > MAX_IMAGE_FILE_BYTES) {
      throw new ImageError(
        `${file}: the file is ${(stat.size / 2 ** 20).toFixed(0)} MB, more than the limit of ${MAX_IMAGE_FILE_BYTES / 2 ** 20} MB for one image`,
      );
    }
    // Read at most the size fstat reported: a file that grows meanwhile is cut, never followed.
    const bytes = Buffer.alloc(stat.size);
    let filled = 0;
    while (filled < stat.size) {
      const n = fs.readSync(fd, bytes, filled, stat.size - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return { bytes: bytes.subarray(0, filled), format };
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError(`cannot read image ${file}: ${reason(e)}`);
  } finally {
    fs.closeSync(fd);
  }
}
