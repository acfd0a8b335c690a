// PNG files through pngjs (a well-kept pure-JavaScript codec): canvases out; decodePng reads
// one back (tests). Input images for the network are read by src/image.
import { writeFileAtomically } from '../io/atomic-write';
import { PNG } from 'pngjs';
import { Canvas } from './canvas';

/** Encodes the canvas as an 8-bit RGB PNG. */
export function encodePng(canvas: Canvas): Buffer {
  return PNG.sync.write(
    {
      width: canvas.width,
      height: canvas.height,
      data: Buffer.from(canvas.data.buffer, canvas.data.byteOffset, canvas.data.byteLength),
    } as PNG,
    { colorType: 2, inputColorType: 2, inputHasAlpha: false },
  );
}

/** Writes the canvas to `file` atomically (its directory must exist); errors name the file. */
export function writePng(file: string, canvas: Canvas): void {
  writeFileAtomically(file, encodePng(canvas), { what: 'picture' });
}

/** A decoded PNG: width, height and RGBA bytes, row by row (pngjs expands every colour type to this). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export function decodePng(bytes: Buffer, name = 'image'): RgbaImage {
  try {
    const png = PNG.sync.read(bytes);
    return {
      width: png.width,
      height: png.height,
      data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength),
    };
  } catch (e) {
    throw new Error(`${name}: not a readable PNG file (${(e as Error).message})`);
  }
}
