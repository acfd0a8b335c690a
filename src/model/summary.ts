// `cnn summary`: the plan as a table, one row per layer (as torchinfo and Keras print a
// model), then totals: parameters, connections (multiply-adds per image) and memory. It
// prints the plan itself, so it always agrees with what training allocates. Layers of a
// residual block carry the block's name as a prefix (layer1.0.conv1); an add names its two
// inputs; batchnorm counts gamma and beta and notes its running statistics.
import { layerKind } from '../layers/registry';
import type { Plan, PlannedLayer, Shape } from './types';

export interface SummaryOptions {
  /** Batch size for the training-memory estimate. */
  batchSize: number;
  /** Per planned layer, the algorithm the native network chose ('' for none): adds an Algorithm column. */
  algorithms?: string[];
}

const FLOAT_BYTES = 4;
const MIB = 1024 * 1024;

const volume = (shape: Shape) => shape[0] * shape[1] * shape[2];
const grouped = (n: number) => n.toLocaleString('en-US');
const mib = (bytes: number) => `${(bytes / MIB).toFixed(2)} MiB`;

/** Memory the plan needs: forward per image, and a whole training step at `batchSize`. */
export function memoryEstimate(plan: Plan, batchSize: number): { forwardBytesPerImage: number; trainingBytes: number } {
  const forwardBytesPerImage = plan.totals.activations * FLOAT_BYTES;
  // Every layer output has a gradient of its own size; the input image needs none.
  const activationGradients = plan.totals.activations - volume(plan.input);
  // Parameters, their gradients and the momentum are three flat arrays of paramSize floats.
  const trainingBytes =
    batchSize * (plan.totals.activations + activationGradients) * FLOAT_BYTES + 3 * plan.paramSize * FLOAT_BYTES;
  return { forwardBytesPerImage, trainingBytes };
}

/** A producer's name as seen from `layer`: without the block prefix they share, "input" for the model input. */
function producerName(plan: Plan, layer: PlannedLayer, producer: number): string {
  if (producer < 0) return 'input';
  const name = plan.layers[producer].name;
  const block = layer.blocks[layer.blocks.length - 1];
  return block !== undefined && name.startsWith(`${block}.`) ? name.slice(block.length + 1) : name;
}

/** The type column: the kind's description; an add also names what it adds. */
function typeText(plan: Plan, layer: PlannedLayer): string {
  const described = layerKind(layer.type).describe(layer.spec);
  if (layer.inputs.length < 2) return described;
  return `${described} ${layer.inputs.map((p) => producerName(plan, layer, p)).join(' + ')}`;
}

const isRunningStat = (role: string) => role === 'running_mean' || role === 'running_var';

/** The notes a layer row carries: input rows/columns no window reaches, partial connection tables, running statistics. */
function layerNotes(layer: PlannedLayer): string[] {
  const notes: string[] = [];
  const stats = layer.params.filter((p) => isRunningStat(p.role)).reduce((sum, p) => sum + p.size, 0);
  if (stats > 0) notes.push(`+${grouped(stats)} running mean/var (not trained)`);
  if (layer.unused) {
    const { rows, cols } = layer.unused;
    const plural = (n: number, word: string) => `${word}${n === 1 ? '' : 's'}`;
    const what =
      rows === cols
        ? `${rows} ${plural(rows, 'row')}/${plural(cols, 'col')}`
        : [rows ? `${rows} ${plural(rows, 'row')}` : '', cols ? `${cols} ${plural(cols, 'col')}` : '']
            .filter(Boolean)
            .join(', ');
    notes.push(`${what} of input unused`);
  }
  if (layer.weightMask) {
    const [oc, ic] = layer.params[0].shape;
    const area = layer.params[0].shape[2] * layer.params[0].shape[3];
    const connected = layer.weightMask.reduce((sum, m) => sum + m, 0) / area;
    notes.push(`partial: ${connected} of ${oc * ic} map pairs connected`);
  }
  return notes;
}

interface Row {
  name: string;
  type: string;
  output: string;
  params: string;
  connections: string;
  activations: string;
  field: string;
  algorithm: string;
  note: string;
}

const COLUMNS: { key: keyof Row; title: string; numeric: boolean }[] = [
  { key: 'name', title: 'Layer', numeric: false },
  { key: 'type', title: 'Type', numeric: false },
  { key: 'output', title: 'Output', numeric: true },
  { key: 'params', title: 'Params', numeric: true },
  { key: 'connections', title: 'Connections', numeric: true },
  { key: 'activations', title: 'Activations', numeric: true },
  { key: 'field', title: 'Receptive field', numeric: true },
  { key: 'algorithm', title: 'Algorithm (fwd/bwd-data/bwd-weights)', numeric: false },
  { key: 'note', title: 'Note', numeric: false },
];

function rowsOf(plan: Plan, algorithms: string[] = []): Row[] {
  const inputRow: Row = {
    name: 'input',
    type: 'input',
    output: plan.input.join('x'),
    params: '',
    connections: '',
    activations: grouped(volume(plan.input)),
    field: '1x1',
    algorithm: '',
    note: '',
  };
  return [
    inputRow,
    ...plan.layers.map((layer, i) => ({
      name: layer.name,
      type: typeText(plan, layer),
      output: layer.outputShape.join('x'),
      params: grouped(layer.paramCount),
      connections: grouped(layer.connections),
      activations: grouped(layer.activations),
      field: layer.receptiveField.join('x'),
      algorithm: algorithms[i] ?? '',
      note: layerNotes(layer).join('; '),
    })),
  ];
}

function formatTable(rows: Row[]): string[] {
  const optional = (key: keyof Row) => key === 'note' || key === 'algorithm';
  const columns = COLUMNS.filter((c) => !optional(c.key) || rows.some((r) => r[c.key]));
  const widths = columns.map((c) => Math.max(c.title.length, ...rows.map((r) => r[c.key].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (columns[i].numeric ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const header = line(columns.map((c) => c.title));
  const body = rows.map((row) => line(columns.map((c) => row[c.key])));
  const width = Math.max(header.length, ...body.map((l) => l.length));
  return [header, '-'.repeat(width), ...body];
}

/** Why the flat array holds more values than there are trainable parameters. */
function storedReasons(plan: Plan): string[] {
  const reasons: string[] = [];
  if (plan.layers.some((l) => l.weightMask)) reasons.push('masked weights stay 0');
  if (plan.layers.some((l) => l.params.some((p) => isRunningStat(p.role))))
    reasons.push('batchnorm running statistics are not trained');
  return reasons;
}

/** The summary as printed by `cnn summary`. */
export function formatSummary(plan: Plan, options: SummaryOptions): string {
  const table = formatTable(rowsOf(plan, options.algorithms));
  const width = Math.max(...table.map((l) => l.length));
  const { forwardBytesPerImage, trainingBytes } = memoryEstimate(plan, options.batchSize);
  const stored =
    plan.paramSize !== plan.totals.params
      ? ` (${grouped(plan.paramSize)} stored; ${storedReasons(plan).join('; ')})`
      : '';
  const totals: [string, string][] = [
    ['Total params', `${grouped(plan.totals.params)}${stored}`],
    ['Connections (multiply-adds per image)', grouped(plan.totals.connections)],
    ['Activations per image (incl. input)', grouped(plan.totals.activations)],
    ['Forward memory per image (float32)', `${grouped(forwardBytesPerImage)} bytes (${mib(forwardBytesPerImage)})`],
    [`Training memory at batch ${options.batchSize}`, `${grouped(trainingBytes)} bytes (${mib(trainingBytes)})`],
  ];
  const labelWidth = Math.max(...totals.map(([label]) => label.length)) + 1;
  return [
    `Model: ${plan.model.name} (input ${plan.input.join('x')}, ${plan.classes} classes)`,
    plan.model.description,
    '='.repeat(width),
    ...table,
    '='.repeat(width),
    ...totals.map(([label, value]) => `${`${label}:`.padEnd(labelWidth)} ${value}`),
    '  (training: activations and their gradients x batch, plus parameters, gradients and momentum)',
  ].join('\n');
}

export interface SummaryJson {
  model: string;
  input: Shape;
  classes: number;
  layers: {
    name: string;
    type: string;
    output: Shape;
    params: number;
    connections: number;
    activations: number;
    receptiveField: [number, number];
    unused?: { rows: number; cols: number };
    /** Producer names ("input" for the model input), given only for layers with several inputs (add). */
    inputs?: string[];
    /** With SummaryOptions.algorithms: what the native network runs (conv2d: "forward/backward-data/backward-weights"). */
    algorithm?: string;
  }[];
  totals: {
    params: number;
    /** Length of the flat parameter array (masked weights included). */
    paramSize: number;
    connections: number;
    activations: number;
    memory: { forwardBytesPerImage: number; trainingBytes: number };
  };
}

/** The summary as data, for `cnn summary --json`. */
export function summaryJson(plan: Plan, options: SummaryOptions): SummaryJson {
  return {
    model: plan.model.name,
    input: [...plan.input],
    classes: plan.classes,
    layers: plan.layers.map((layer, i) => ({
      name: layer.name,
      type: layer.type,
      output: [...layer.outputShape],
      params: layer.paramCount,
      connections: layer.connections,
      activations: layer.activations,
      receptiveField: [...layer.receptiveField],
      ...(layer.unused ? { unused: { ...layer.unused } } : {}),
      ...(layer.inputs.length > 1 ? { inputs: layer.inputs.map((p) => (p < 0 ? 'input' : plan.layers[p].name)) } : {}),
      ...(options.algorithms?.[i] ? { algorithm: options.algorithms[i] } : {}),
    })),
    totals: {
      params: plan.totals.params,
      paramSize: plan.paramSize,
      connections: plan.totals.connections,
      activations: plan.totals.activations,
      memory: memoryEstimate(plan, options.batchSize),
    },
  };
}
