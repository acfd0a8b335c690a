// The vocabulary of models: layer specs (what a user or the zoo writes, JSON-serialisable)
// and the plan (what shape inference derives from them, computed once and shared by
// `summary`, initialisation, the native network and checkpoints).

export type Shape = [number, number, number]; // [C, H, W]

/** A size given as one number (square) or [height, width]. */
export type Size2 = number | [number, number];

export interface Conv2dSpec {
  type: 'conv2d';
  name?: string;
  filters: number;
  kernel: Size2;
  stride?: Size2;   // default 1
  pad?: Size2;      // default 0
  bias?: boolean;   // default true
  /**
   * Partial connection table: for each output map, the input channels it reads
   * (LeNet-5's C3). Omitted: every output map reads every input channel.
   */
  connections?: number[][];
}

export interface PoolSpec {
  type: 'maxpool' | 'avgpool';
  name?: string;
  size: Size2;
  stride?: Size2;   // default: size
  pad?: Size2;      // default 0
}

/** LeNet-5's trainable subsampling: 2x2 average times a trainable coefficient plus a trainable bias, per map. */
export interface SubsampleSpec {
  type: 'subsample';
  name?: string;
  size: Size2;
  stride?: Size2;
}

export interface DenseSpec {
  type: 'dense';
  name?: string;
  units: number;
  bias?: boolean;   // default true
}

export interface ActivationSpec {
  type: 'relu' | 'tanh' | 'sigmoid' | 'scaled-tanh';
  name?: string;
}

export interface FlattenSpec {
  type: 'flatten';
  name?: string;
}

export type LayerSpec = Conv2dSpec | PoolSpec | SubsampleSpec | DenseSpec | ActivationSpec | FlattenSpec;
export type LayerType = LayerSpec['type'];

/** How the weights of a layer are drawn at initialisation. */
export type InitScheme =
  | { kind: 'he-uniform' }                       // U(-sqrt(6/fanIn), sqrt(6/fanIn)): ReLU networks
  | { kind: 'lecun-1998' }                       // U(-2.4/fanIn, 2.4/fanIn): the 1998 paper
  | { kind: 'xavier-uniform' }                   // U(-sqrt(6/(fanIn+fanOut)), ...): tanh/sigmoid
  | { kind: 'constant'; value: number };

/** A model: a name, its input and class count, its layers, and the defaults that train it well. */
export interface ModelSpec {
  name: string;
  description: string;
  input: Shape;
  classes: number;
  layers: LayerSpec[];
  /** Weight initialisation for conv and dense layers; default he-uniform. */
  init?: InitScheme['kind'];
  /** The value every weight takes when init is 'constant' (default 0). */
  initValue?: number;
  /** Training defaults for this model (CLI options override them). */
  defaults?: Partial<TrainDefaults>;
}

export interface TrainDefaults {
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  /** 'constant' | 'cosine' | 'step' */
  schedule: string;
}

/** A parameter tensor before it has a place in the flat array: what a layer kind declares. */
export interface ParamShape {
  role: 'weight' | 'bias';
  shape: number[];
}

/** One parameter tensor, named as the equivalent PyTorch module names it. */
export interface ParamTensor {
  /** e.g. "conv1.weight" */
  name: string;
  role: 'weight' | 'bias';
  shape: number[];
  /** Offset and length in the flat parameter array. */
  offset: number;
  size: number;
}

export interface PlannedLayer {
  index: number;
  /** Unique name: the spec's name, or numbered per kind (conv1, conv2, pool1, fc1, relu1, ...). */
  name: string;
  type: LayerType;
  /** The spec with every default filled in (sizes as [h, w] pairs). */
  spec: LayerSpec;
  /** Producer layer indices; -1 is the model input. */
  inputs: number[];
  inputShape: Shape;
  outputShape: Shape;
  params: ParamTensor[];
  /** Trainable parameters (a partial connection table counts only the connected weights). */
  paramCount: number;
  /** Multiply-adds per image, counting each bias as one (as torchinfo and LeCun 1998 count). */
  connections: number;
  /** Output values per image (C*H*W). */
  activations: number;
  /** Receptive field of one output unit on the input image, in pixels (height, width). */
  receptiveField: [number, number];
  /** Distance on the input between neighbouring output units (the product of strides). */
  jump: [number, number];
  /** Rows or columns of the (padded) input that no window reaches, if any. */
  unused?: { rows: number; cols: number };
  /** The 0/1 weight mask of a partial connection table. */
  weightMask?: Float32Array;
}

export interface PlanTotals {
  params: number;
  connections: number;
  /** Activation values per image across all layers (plus the input). */
  activations: number;
}

export interface Plan {
  model: ModelSpec;
  input: Shape;
  classes: number;
  layers: PlannedLayer[];
  /** Length of the flat parameter array. */
  paramSize: number;
  totals: PlanTotals;
}
