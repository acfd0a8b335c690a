// Grids of small images ("tiles"): filters, feature maps, misclassified digits. Each tile is
// scaled up by an integer factor with nearest-neighbour sampling (so a 5x5 kernel stays
// 25 crisp squares), tiles are separated by a gap of the background colour, and each may
// carry lines of text underneath. The layout is a pure function so tests can compute the
// expected picture size.
import { Canvas, type Rgb, WHITE, BLACK } from './canvas';
import { drawText, fitText, LINE_HEIGHT } from './font';

/** A small image with values in [0, 1]: grey (1 channel) or RGB (3 channels), planes (C, H, W). */
export interface Tile {
  width: number;
  height: number;
  channels: 1 | 3;
  values: Float32Array;
}

export interface GridOptions {
  /** Tiles per row (default: a near-square grid). */
  columns?: number;
  /** Integer magnification of every tile. */
  scale: number;
  /** Pixels of background between tiles and around the grid. */
  gap: number;
  /** Lines of text under each tile (0: none). */
  labelLines?: number;
  background?: Rgb;
  textColor?: Rgb;
}

export interface GridLayout {
  columns: number;
  rows: number;
  /** Size of one scaled tile. */
  tileWidth: number;
  tileHeight: number;
  /** Size of a cell: the tile plus its label lines. */
  cellWidth: number;
  cellHeight: number;
  gap: number;
  width: number;
  height: number;
  labelLines: number;
}

/** Label text height per line under a tile. */
export const LABEL_LINE = LINE_HEIGHT + 1;

export function nearSquareColumns(count: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(count)));
}

/** Where everything goes for `count` tiles of (tileW x tileH) pixels before scaling. */
export function gridLayout(count: number, tileW: number, tileH: number, o: GridOptions): GridLayout {
  if (count < 1) throw new RangeError('gridLayout: need at least one tile');
  const columns = Math.min(count, Math.max(1, o.columns ?? nearSquareColumns(count)));
  const rows = Math.ceil(count / columns);
  const labelLines = o.labelLines ?? 0;
  const tileWidth = tileW * o.scale;
  const tileHeight = tileH * o.scale;
  const cellWidth = tileWidth;
  const cellHeight = tileHeight + labelLines * LABEL_LINE + (labelLines > 0 ? 1 : 0);
  return {
    columns,
    rows,
    tileWidth,
    tileHeight,
    cellWidth,
    cellHeight,
    gap: o.gap,
    labelLines,
    width: columns * cellWidth + (columns + 1) * o.gap,
    height: rows * cellHeight + (rows + 1) * o.gap,
  };
}

function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
}

/** Draws one tile scaled by `scale` with its top-left corner at (x, y). */
export function drawTile(canvas: Canvas, x: number, y: number, tile: Tile, scale: number): void {
  const plane = tile.width * tile.height;
  const color: Rgb = [0, 0, 0];
  for (let r = 0; r < tile.height; r++) {
    for (let c = 0; c < tile.width; c++) {
      const i = r * tile.width + c;
      if (tile.channels === 1) {
        const g = toByte(tile.values[i]);
        color[0] = g;
        color[1] = g;
        color[2] = g;
      } else {
        color[0] = toByte(tile.values[i]);
        color[1] = toByte(tile.values[plane + i]);
        color[2] = toByte(tile.values[2 * plane + i]);
      }
      canvas.fillRect(x + c * scale, y + r * scale, scale, scale, color);
    }
  }
}

/** Draws the grid at (x0, y0) on an existing canvas (e.g. one section of a larger picture). */
export function drawGrid(
  canvas: Canvas,
  x0: number,
  y0: number,
  layout: GridLayout,
  tiles: Tile[],
  scale: number,
  labels?: string[][],
  textColor: Rgb = BLACK,
): void {
  tiles.forEach((tile, k) => {
    const col = k % layout.columns;
    const row = Math.floor(k / layout.columns);
    const x = x0 + layout.gap + col * (layout.cellWidth + layout.gap);
    const y = y0 + layout.gap + row * (layout.cellHeight + layout.gap);
    drawTile(canvas, x, y, tile, scale);
    const lines = labels?.[k] ?? [];
    for (let l = 0; l < Math.min(lines.length, layout.labelLines); l++) {
      drawText(canvas, x, y + layout.tileHeight + 2 + l * LABEL_LINE, fitText(lines[l], layout.cellWidth), textColor);
    }
  });
}

/** A picture holding only the grid. Every tile must have the first tile's size. */
export function renderGrid(tiles: Tile[], o: GridOptions, labels?: string[][]): Canvas {
  const first = tiles[0];
  if (!first) throw new RangeError('renderGrid: no tiles to draw');
  for (const t of tiles) {
    if (t.width !== first.width || t.height !== first.height) throw new RangeError('renderGrid: tiles differ in size');
  }
  const layout = gridLayout(tiles.length, first.width, first.height, o);
  const canvas = new Canvas(layout.width, layout.height, o.background ?? WHITE);
  drawGrid(canvas, 0, 0, layout, tiles, o.scale, labels, o.textColor ?? BLACK);
  return canvas;
}

/**
 * Maps values linearly so their minimum is 0 and maximum 1 (the usual way to show kernels
 * and activations, whose scale is arbitrary). All-equal values become `flat`.
 */
export function minMaxNormalise(values: ArrayLike<number>, flat = 0.5): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Float32Array(values.length);
  if (!(hi > lo)) return out.fill(flat);
  const k = 1 / (hi - lo);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] - lo) * k;
  return out;
}

/** The integer magnification that makes a tile of `size` pixels about `target` pixels across (at least 1). */
export function scaleFor(size: number, target: number): number {
  return Math.max(1, Math.round(target / Math.max(1, size)));
}
