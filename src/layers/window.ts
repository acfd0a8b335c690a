// Sliding-window arithmetic shared by conv2d, the pools and subsample: the output size
// floor((N + 2P - F) / S) + 1 per dimension, the input rows/columns no window reaches, and
// the receptive-field recurrence. Errors spell out the arithmetic so an impossible model
// explains itself.
import type { Shape } from '../model/types';

export type Pair = [number, number];

export interface Window {
  /** What slides, for messages: "filter" or "window". */
  noun: string;
  kernel: Pair;
  stride: Pair;
  pad: Pair;
}

function slideCount(n: number, f: number, s: number, p: number): number {
  return Math.floor((n + 2 * p - f) / s) + 1;
}

/** "5x5" for a square pair, "3x1" otherwise. */
export function pairText(pair: Pair): string {
  return `${pair[0]}x${pair[1]}`;
}

/** "2" for a square stride or padding, "2x1" otherwise. */
function stepText(pair: Pair): string {
  return pair[0] === pair[1] ? `${pair[0]}` : pairText(pair);
}

/** The [OH, OW] a window produces on an input; throws naming the layer and the arithmetic if empty. */
export function windowOutput(window: Window, input: Shape, where: string): Pair {
  const [, h, w] = input;
  const { kernel, stride, pad } = window;
  const out: Pair = [slideCount(h, kernel[0], stride[0], pad[0]), slideCount(w, kernel[1], stride[1], pad[1])];
  if (out[0] >= 1 && out[1] >= 1) return out;
  const dim = out[0] < 1 ? 0 : 1;
  const n = input[1 + dim];
  const which =
    h === w && kernel[0] === kernel[1] && stride[0] === stride[1] && pad[0] === pad[1]
      ? ''
      : dim === 0
        ? 'rows: '
        : 'columns: ';
  const padding = pad[0] || pad[1] ? ` and padding ${stepText(pad)}` : '';
  throw new Error(
    `${where}: a ${pairText(kernel)} ${window.noun} with stride ${stepText(stride)}${padding} on a ${h}x${w} input leaves no output: ` +
      `${which}floor((${n} + 2*${pad[dim]} - ${kernel[dim]}) / ${stride[dim]}) + 1 = ${out[dim]}`,
  );
}

/** Rows and columns of the padded input past the last window ((N + 2P - F) % S), if any. */
export function windowUnused(window: Window, input: Shape): { rows: number; cols: number } | undefined {
  const spare = (n: number, d: 0 | 1) => (n + 2 * window.pad[d] - window.kernel[d]) % window.stride[d];
  const rows = spare(input[1], 0);
  const cols = spare(input[2], 1);
  return rows > 0 || cols > 0 ? { rows, cols } : undefined;
}

export interface Field {
  /** Receptive field on the input image, in pixels [h, w]. */
  size: Pair;
  /** Input-image pixels between neighbouring units [h, w]. */
  jump: Pair;
}

/** The standard recurrence: r' = r + (k - 1) * j, j' = j * s. */
export function windowField(window: Window, field: Field): Field {
  return {
    size: [
      field.size[0] + (window.kernel[0] - 1) * field.jump[0],
      field.size[1] + (window.kernel[1] - 1) * field.jump[1],
    ],
    jump: [field.jump[0] * window.stride[0], field.jump[1] * window.stride[1]],
  };
}

/** " s2 p1" for the summary's type column: stride and padding when not the default. */
export function stepsText(stride: Pair, pad: Pair, defaultStride: Pair = [1, 1]): string {
  const strideText = stride[0] !== defaultStride[0] || stride[1] !== defaultStride[1] ? ` s${stepText(stride)}` : '';
  const padText = pad[0] || pad[1] ? ` p${stepText(pad)}` : '';
  return `${strideText}${padText}`;
}
