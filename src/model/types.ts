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
  stride?: Size2; // default 1
  pad?: Size2; // default 0
  bias?: boolean; // default true
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
  stride?: Size2; // default: size
  pad?: Size2; // default 0
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
  bias?: boolean; // default true
}

export interface ActivationSpec {
  type: 'relu' | 'tanh' | 'sigmoid' | 'scaled-tanh' | 'gelu';
  name?: string;
}

/** Leaky ReLU (nn.LeakyReLU): x for x > 0, else negativeSlope * x. */
export interface LeakyReluSpec {
  type: 'leaky-relu';
  name?: string;
  negativeSlope?: number; // default 0.01
}

export interface FlattenSpec {
  type: 'flatten';
  name?: string;
}

/** Batch normalisation over channels (nn.BatchNorm2d): gamma, beta and running statistics per channel. */
export interface BatchNormSpec {
  type: 'batchnorm';
  name?: string;
  eps?: number; // default 1e-5
  momentum?: number; // default 0.1: running = (1 - momentum) * running + momentum * batch
}

/** Inverted dropout: in training each value is zeroed with probability p, survivors scaled by 1/(1-p). */
export interface DropoutSpec {
  type: 'dropout';
  name?: string;
  p?: number; // default 0.5
}

/** Local response normalisation across channels (AlexNet's NORM layers, nn.LocalResponseNorm semantics). */
export interface LrnSpec {
  type: 'lrn';
  name?: string;
  size?: number; // default 5
  alpha?: number; // default 1e-4 (divided by size, as PyTorch does)
  beta?: number; // default 0.75
  k?: number; // default 2
}

/** Global average pooling: each map becomes its mean, C x H x W -> C x 1 x 1, whatever H and W are. */
export interface GapSpec {
  type: 'gap';
  name?: string;
}

/**
 * A residual block (He et al. 2016): out = activation(body(x) + shortcut(x)). The planner
 * expands it into its body layers, the shortcut layers (none for identity), an 'add' layer
 * with two inputs and the activation. Its name prefixes its layers' names (layer1.0.conv1).
 */
export interface ResidualSpec {
  type: 'residual';
  name?: string;
  body: LayerSpec[];
  /** Default: identity when the body keeps the input's shape, else projection (1x1 conv + batchnorm). */
  shortcut?: 'identity' | 'projection';
  /** Applied after the add; default 'relu', null for none. */
  activation?: ActivationSpec['type'] | null;
}

/** out = in0 + in1: made by the planner for residual blocks; a model file cannot name it. */
export interface AddSpec {
  type: 'add';
  name?: string;
}

export type LayerSpec =
  | Conv2dSpec
  | PoolSpec
  | SubsampleSpec
  | DenseSpec
  | ActivationSpec
  | LeakyReluSpec
  | FlattenSpec
  | BatchNormSpec
  | DropoutSpec
  | LrnSpec
  | GapSpec
  | ResidualSpec
  | AddSpec;
export type LayerType = LayerSpec['type'];
/** The types a planned layer can have: every type but 'residual', which the planner expands. */
export type PlannedLayerType = Exclude<LayerType, 'residual'>;

/** How the weights of a layer are drawn at initialisation. */
export type InitScheme =
  | { kind: 'he-uniform' } // U(-sqrt(6/fanIn), sqrt(6/fanIn)): ReLU networks
  | { kind: 'lecun-1998' } // U(-2.4/fanIn, 2.4/fanIn): the 1998 paper
  | { kind: 'xavier-uniform' } // U(-sqrt(6/(fanIn+fanOut)), ...): tanh/sigmoid
  | { kind: 'he-normal-fan-out' } // torchvision's ResNet: conv N(0, 2/fanOut); dense keeps nn.Linear's U(-1/sqrt(fanIn), 1/sqrt(fanIn))
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
  /**
   * Data augmentation the model trains well with, as the trainer's --augment option reads it:
   * 'crop=4,flip' (pad 4 and crop randomly, mirror horizontally) for CIFAR-style images,
   * 'shift=2' for digits, 'flip' for ImageNet-size images. Omitted: none.
   */
  augment?: string;
}

/** A parameter tensor before it has a place in the flat array: what a layer kind declares. */
export interface ParamShape {
  role: ParamRole;
  shape: number[];
}

/**
 * What a tensor in the flat parameter array is. running_mean and running_var (batchnorm)
 * are buffers, not trainable: they sit in the flat array so checkpoints carry them, SGD
 * never moves them, and they count in paramSize but not in the trainable parameter count.
 */
export type ParamRole = 'weight' | 'bias' | 'running_mean' | 'running_var';

/** One parameter tensor, named as the equivalent PyTorch module names it. */
export interface ParamTensor {
  /** e.g. "conv1.weight", "layer1.0.bn1.running_mean" */
  name: string;
  role: ParamRole;
  shape: number[];
  /** Offset and length in the flat parameter array. */
  offset: number;
  size: number;
}

export interface PlannedLayer {
  index: number;
  /**
   * Unique name: the spec's name, or numbered per kind (conv1, conv2, pool1, fc1, relu1, ...);
   * inside a residual block prefixed by the block's name (layer1.0.conv1, layer1.0.downsample.0).
   */
  name: string;
  type: PlannedLayerType;
  /** The spec with every default filled in (sizes as [h, w] pairs). */
  spec: LayerSpec;
  /** Producer layer indices; -1 is the model input. An 'add' has two. */
  inputs: number[];
  /** The residual blocks this layer belongs to, outermost first (e.g. ["layer1.0"]); empty at top level. */
  blocks: string[];
  inputShape: Shape;
  outputShape: Shape;
  params: ParamTensor[];
  /** Trainable parameters (a partial connection table counts only the connected weights; running statistics do not count). */
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
