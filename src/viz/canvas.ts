// An RGB raster in memory: what every PNG picture of `cnn viz`, `cnn eval --misclassified`
// and `cnn plot` is drawn on before png.ts encodes it. Drawing outside the canvas is clipped.

import { PICTURE_LIMITS } from '../model/limits';

export type Rgb = [number, number, number];

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];

export class Canvas {
  readonly width: number;
  readonly height: number;
  /** (height, width, 3) bytes, row by row. */
  readonly data: Uint8Array;

  constructor(width: number, height: number, background: Rgb = WHITE) {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new RangeError(`Canvas: size must be positive integers, got ${width}x${height}`);
    }
    if (width > PICTURE_LIMITS.side || height > PICTURE_LIMITS.side || width * height > PICTURE_LIMITS.pixels) {
      throw new RangeError(
        `the picture would be ${width}x${height} pixels, above the limit of ${PICTURE_LIMITS.side} pixels a side and ` +
          `${PICTURE_LIMITS.pixels} pixels in all; draw less of it (e.g. a smaller --scale or --max-filters)`,
      );
    }
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, color: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.data[i] = color[0];
    this.data[i + 1] = color[1];
    this.data[i + 2] = color[2];
  }

  getPixel(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 3;
    return [this.data[i], this.data[i + 1], this.data[i + 2]];
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    const x0 = Math.max(0, Math.floor(x));
    const y0 = Math.max(0, Math.floor(y));
    const x1 = Math.min(this.width, Math.floor(x + w));
    const y1 = Math.min(this.height, Math.floor(y + h));
    for (let yy = y0; yy < y1; yy++) {
      for (let xx = x0; xx < x1; xx++) {
        const i = (yy * this.width + xx) * 3;
        this.data[i] = color[0];
        this.data[i + 1] = color[1];
        this.data[i + 2] = color[2];
      }
    }
  }

  /** A straight line `thickness` pixels wide (a square brush along Bresenham's path). */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 1): void {
    this.dashedLine(x0, y0, x1, y1, color, thickness, []);
  }

  /**
   * A line drawn only on the "on" stretches of `dash` (pixels on, off, on, ...; empty: solid),
   * starting `phase` pixels into the pattern. Returns the phase at the end, so that a polyline's
   * segments continue one pattern.
   */
  dashedLine(
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    color: Rgb,
    thickness: number,
    dash: number[],
    phase = 0,
  ): number {
    const period = dash.reduce((a, b) => a + b, 0);
    const drawn = (step: number): boolean => {
      if (period <= 0) return true;
      let at = step % period;
      for (let i = 0; i < dash.length; i++) {
        if (at < dash[i]) return i % 2 === 0;
        at -= dash[i];
      }
      return true;
    };
    let step = phase;
    let x = Math.round(x0);
    let y = Math.round(y0);
    const xe = Math.round(x1);
    const ye = Math.round(y1);
    const dx = Math.abs(xe - x);
    const dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1;
    const sy = y < ye ? 1 : -1;
    const half = Math.floor((thickness - 1) / 2);
    let err = dx + dy;
    for (;;) {
      if (drawn(step)) this.fillRect(x - half, y - half, thickness, thickness, color);
      if (x === xe && y === ye) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y += sy;
      }
      step++;
    }
    return step;
  }
}
