// The kernels of one conv layer as a picture. A first layer (1 or 3 input channels) shows
// one tile per filter: RGB when it reads colour, grey when it reads grey, as the lectures
// show AlexNet's and LeNet's first layers. A later layer's filters have one kernel per input
// channel, which cannot be one colour: they are shown as a table, one row per filter (output
// channel) and one column per input channel, each row normalised together so the relative
// strength of a filter's kernels stays visible.
import type { Plan, PlannedLayer } from '../model/types';
import type { Canvas } from './canvas';
import {
  minMaxNormalise,
  renderGrid,
  nearSquareColumns,
  scaleFor,
  gridLayout,
  type Tile,
  type GridLayout,
} from './grid';

export type FilterMode = 'rgb' | 'grey' | 'per-input';

export interface FilterPicture {
  canvas: Canvas;
  layout: GridLayout;
  layer: PlannedLayer;
  mode: FilterMode;
  /** Filters (output channels) and input channels drawn; fewer than the layer has when capped. */
  filtersShown: number;
  inputsShown: number;
}

export interface FilterOptions {
  /** Integer magnification (default: about 40 pixels per tile for a first layer, 20 per kernel otherwise). */
  scale?: number;
  /** Gap between tiles in pixels (default 2). */
  gap?: number;
  /** Largest number of filters (rows) and input channels (columns) drawn (default 64 each). */
  maxFilters?: number;
  maxInputs?: number;
}

export function convLayers(plan: Plan): PlannedLayer[] {
  return plan.layers.filter((l) => l.type === 'conv2d');
}

/** The conv layer called `name`, or the first conv layer; errors list the valid names. */
export function findConvLayer(plan: Plan, name: string | undefined, modelName: string): PlannedLayer {
  const convs = convLayers(plan);
  if (convs.length === 0) throw new Error(`model ${modelName} has no conv layers, so it has no filters to draw`);
  if (name === undefined) return convs[0];
  const found = convs.find((l) => l.name === name);
  if (found) return found;
  const other = plan.layers.find((l) => l.name === name);
  const valid = convs.map((l) => l.name).join(', ');
  if (other)
    throw new Error(
      `layer "${name}" of model ${modelName} is a ${other.type} layer, not a conv layer (--layer). Conv layers: ${valid}`,
    );
  throw new Error(`model ${modelName} has no layer "${name}" (--layer). Conv layers: ${valid}`);
}

export function filterModeOf(inputChannels: number): FilterMode {
  return inputChannels === 3 ? 'rgb' : inputChannels === 1 ? 'grey' : 'per-input';
}

/** The tiles of a conv weight tensor (OC, IC, KH, KW) and the grid's column count. */
export function filterTiles(
  weights: Float32Array,
  shape: number[],
  maxFilters = 64,
  maxInputs = 64,
): { tiles: Tile[]; columns: number; mode: FilterMode; filtersShown: number; inputsShown: number } {
  const [oc, ic, kh, kw] = shape;
  const kernel = kh * kw;
  const mode = filterModeOf(ic);
  const filtersShown = Math.min(oc, maxFilters);
  const tiles: Tile[] = [];
  if (mode !== 'per-input') {
    for (let o = 0; o < filtersShown; o++) {
      const w = weights.subarray(o * ic * kernel, (o + 1) * ic * kernel);
      tiles.push({ width: kw, height: kh, channels: ic as 1 | 3, values: minMaxNormalise(w) });
    }
    return { tiles, columns: nearSquareColumns(filtersShown), mode, filtersShown, inputsShown: ic };
  }
  const inputsShown = Math.min(ic, maxInputs);
  for (let o = 0; o < filtersShown; o++) {
    const all = minMaxNormalise(weights.subarray(o * ic * kernel, (o + 1) * ic * kernel));
    for (let i = 0; i < inputsShown; i++) {
      tiles.push({ width: kw, height: kh, channels: 1, values: all.subarray(i * kernel, (i + 1) * kernel) });
    }
  }
  return { tiles, columns: inputsShown, mode, filtersShown, inputsShown };
}

export function renderFilters(params: Float32Array, layer: PlannedLayer, o: FilterOptions = {}): FilterPicture {
  const weight = layer.params.find((p) => p.role === 'weight');
  if (!weight) throw new Error(`layer ${layer.name} has no weight tensor`);
  const shape = weight.shape;
  const { tiles, columns, mode, filtersShown, inputsShown } = filterTiles(
    params.subarray(weight.offset, weight.offset + weight.size),
    shape,
    o.maxFilters ?? 64,
    o.maxInputs ?? 64,
  );
  const [kh, kw] = [shape[2], shape[3]];
  const scale = o.scale ?? scaleFor(Math.max(kh, kw), mode === 'per-input' ? 20 : 40);
  const gridOptions = { columns, scale, gap: o.gap ?? 2 };
  const canvas = renderGrid(tiles, gridOptions);
  return { canvas, layout: gridLayout(tiles.length, kw, kh, gridOptions), layer, mode, filtersShown, inputsShown };
}
