// Feature maps of one image: the input, then every conv layer's maps, each section titled
// with the layer's name and shape. A conv layer's maps are shown after its batch norm and
// activation when those follow it directly (what the next layer sees: ReLU's zeros are
// black), else as the conv computes them. Every map is min-max normalised on its own (a
// map that is constant, such as a dead ReLU's, is black), scaled up with nearest-neighbour
// sampling to about 56 pixels.
import type { Plan, PlannedLayer } from '../model/types';
import { Canvas, WHITE, BLACK } from './canvas';
import { drawText, textWidth, LINE_HEIGHT } from './font';
import { drawGrid, gridLayout, minMaxNormalise, scaleFor, type GridLayout, type Tile } from './grid';

const ACTIVATIONS = new Set(['relu', 'tanh', 'sigmoid', 'scaled-tanh']);

/** A conv layer and the layer whose output is drawn for it. */
export interface MapSource {
  conv: PlannedLayer;
  shown: PlannedLayer;
}

/** For each conv layer, the layer after it (batch norm, then activation) that the picture shows. */
export function mapSources(plan: Plan): MapSource[] {
  const consumers = new Map<number, number[]>();
  for (const l of plan.layers) for (const i of l.inputs) consumers.set(i, [...(consumers.get(i) ?? []), l.index]);
  const soleConsumer = (i: number): PlannedLayer | undefined => {
    const c = consumers.get(i);
    return c && c.length === 1 ? plan.layers[c[0]] : undefined;
  };
  return plan.layers
    .filter((l) => l.type === 'conv2d')
    .map((conv) => {
      let shown = conv;
      let next = soleConsumer(shown.index);
      if (next?.type === 'batchnorm') {
        shown = next;
        next = soleConsumer(shown.index);
      }
      if (next && ACTIVATIONS.has(next.type)) shown = next;
      return { conv, shown };
    });
}

export interface MapSection {
  title: string;
  tiles: Tile[];
  scale: number;
  layout: GridLayout;
}

/** Section title height: one text line and padding. */
export const TITLE_HEIGHT = LINE_HEIGHT + 6;
export const MAP_GAP = 2;
export const MAX_COLUMNS = 8;

export function mapColumns(count: number): number {
  return count <= MAX_COLUMNS * MAX_COLUMNS ? Math.min(count, MAX_COLUMNS) : Math.ceil(Math.sqrt(count));
}

/** One section: `maps` planes (count, H, W) of one layer, or an RGB input as one tile. */
export function mapSection(
  title: string,
  values: Float32Array,
  shape: [number, number, number],
  asRgb: boolean,
  maxMaps: number,
): MapSection {
  const [c, h, w] = shape;
  const plane = h * w;
  const tiles: Tile[] = [];
  if (asRgb) {
    tiles.push({ width: w, height: h, channels: 3, values: minMaxNormalise(values.subarray(0, 3 * plane), 0) });
  } else {
    for (let k = 0; k < Math.min(c, maxMaps); k++) {
      tiles.push({
        width: w,
        height: h,
        channels: 1,
        values: minMaxNormalise(values.subarray(k * plane, (k + 1) * plane), 0),
      });
    }
  }
  const scale = scaleFor(Math.max(h, w), 56);
  const layout = gridLayout(tiles.length, w, h, { columns: mapColumns(tiles.length), scale, gap: MAP_GAP });
  return { title, tiles, scale, layout };
}

export function mapsPictureSize(sections: MapSection[]): { width: number; height: number } {
  const width = Math.max(...sections.map((s) => Math.max(s.layout.width, textWidth(s.title) + 2 * MAP_GAP)));
  const height = sections.reduce((sum, s) => sum + TITLE_HEIGHT + s.layout.height, 0);
  return { width, height };
}

export function renderMaps(sections: MapSection[]): Canvas {
  const { width, height } = mapsPictureSize(sections);
  const canvas = new Canvas(width, height, WHITE);
  let y = 0;
  for (const s of sections) {
    drawText(canvas, MAP_GAP, y + 4, s.title, BLACK);
    y += TITLE_HEIGHT;
    drawGrid(canvas, 0, y, s.layout, s.tiles, s.scale);
    y += s.layout.height;
  }
  return canvas;
}
