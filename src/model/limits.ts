// The limits on every size a model declares, checked before anything is built or allocated.
// A model file, a checkpoint's stored model and the command line all go through these, so a
// typo like "filters": 1000000000 is refused in milliseconds with the limit named, instead of
// exhausting memory minutes later. Two kinds:
//   - structural limits on single fields (filters, units, kernel, ...): far above any network
//     that trains on a CPU, fixed;
//   - memory limits (parameters, training memory at the batch size), which a user with a
//     large machine may raise through an environment variable.
// docs/bad-inputs-sizes.md lists them all.
import * as os from 'node:os';

export const MODEL_LIMITS = {
  /** Input channels (C of C,H,W). */
  channels: 4096,
  /** Input height and width. */
  imageSide: 8192,
  /** Output maps of one conv2d layer. */
  filters: 65536,
  /** Units of one dense layer. */
  units: 1 << 20,
  /** Classes of a model (--classes, "classes"). */
  classes: 1 << 20,
  /** Kernel (window) height or width, and strides. */
  kernel: 8192,
  /** Zero padding on one side. */
  pad: 1024,
  /** Channels an lrn layer normalises over. */
  lrnSize: 4096,
  /** Layers in a model file, counting those inside residual blocks. */
  layers: 10000,
  /** Residual blocks inside residual blocks. */
  nesting: 64,
  /** Values in one layer's output or one parameter tensor: the native code indexes them with 32-bit integers. */
  tensorValues: 2 ** 31 - 1,
} as const;

export type StructuralLimit = keyof typeof MODEL_LIMITS;

/** What each structural limit counts, for messages ("at most 65536 filters per layer"). */
const NOUNS: Record<StructuralLimit, string> = {
  channels: 'input channels',
  imageSide: 'pixels per input side',
  filters: 'filters per conv2d layer',
  units: 'units per dense layer',
  classes: 'classes',
  kernel: 'pixels per kernel or stride side',
  pad: 'pixels of padding per side',
  lrnSize: 'channels per lrn window',
  layers: 'layers per model (counting those inside residual blocks)',
  nesting: 'levels of residual blocks inside residual blocks',
  tensorValues: 'values per layer output or parameter tensor',
};

/** The sentence a refused structural value gets: the limit, the value, and why it is fixed. */
export function structuralLimitText(limit: StructuralLimit, value: number): string {
  return `${value}, above the limit of ${MODEL_LIMITS[limit]} ${NOUNS[limit]} (a fixed limit of cnn, far above what trains on a CPU)`;
}

/** Pictures (PNG) cnn draws: a side and the pixel count (3 bytes each in memory). */
export const PICTURE_LIMITS = { side: 32768, pixels: 2 ** 27, scale: 256 } as const;

/** The memory limits: each has a default and an environment variable that replaces it. */
export const MEMORY_LIMITS = {
  params: { variable: 'CNN_MAX_PARAMS', unit: 'parameters', fallback: () => 2 ** 30 },
  memoryMiB: { variable: 'CNN_MAX_MEMORY_MB', unit: 'MiB', fallback: () => Math.floor(os.totalmem() / 2 ** 20) },
} as const;

export type MemoryLimit = keyof typeof MEMORY_LIMITS;

/** The limit now in force: the environment variable if it is set to a positive number, else the default. */
export function memoryLimit(limit: MemoryLimit, env: NodeJS.ProcessEnv = process.env): number {
  const { variable, fallback } = MEMORY_LIMITS[limit];
  const text = env[variable];
  if (text === undefined || text === '') return fallback();
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(
      `environment variable ${variable}=${JSON.stringify(text)} must be a positive number of ${MEMORY_LIMITS[limit].unit}`,
    );
  }
  return value;
}

/** The sentence a plan over a memory limit gets: what it needs, the limit, and how to raise it. */
export function memoryLimitText(limit: MemoryLimit, needed: number, what: string, smaller: string): string {
  const { variable, unit } = MEMORY_LIMITS[limit];
  const allowed = memoryLimit(limit);
  const round = (n: number) => Math.ceil(n).toLocaleString('en-US');
  return (
    `${what} needs ${round(needed)} ${unit}, above the limit of ${round(allowed)} ${unit}; ` +
    `make ${smaller} smaller, or set ${variable} to raise the limit if the machine has the memory`
  );
}

/** Refuses an input shape above the channel or side limits; `what` names it ("net.json: \"input\""). */
export function checkInputShape(shape: readonly [number, number, number], what: string): void {
  const [c, h, w] = shape;
  if (c > MODEL_LIMITS.channels) throw new Error(`${what}: the channel count is ${structuralLimitText('channels', c)}`);
  for (const side of [h, w]) {
    if (side > MODEL_LIMITS.imageSide) throw new Error(`${what}: a side is ${structuralLimitText('imageSide', side)}`);
  }
}

export function checkClassCount(classes: number, what: string): void {
  if (classes > MODEL_LIMITS.classes) throw new Error(`${what} is ${structuralLimitText('classes', classes)}`);
}
