// cnn.loadModel(file): a trained checkpoint, ready to classify images. The network is built
// once and reused; calls are queued, so concurrent predict() calls are safe.
import { registerPredict } from '../cli/predict';
import { Predictor, type TopClass } from '../predict/predictor';
import { checkRawImage, describeInput, isRawImage, type ImageInput, type RawImage } from '../predict/image-input';
import { resolveOptions } from './options';

export type { ImageInput, RawImage, TopClass };

export interface LoadModelOptions {
  /** Compute threads (default: the CPUs this process may use). */
  threads?: number;
}

export interface PredictOptions {
  /** How many of the most probable classes to return (default 3). */
  top?: number;
}

export class Model {
  /** @internal */
  constructor(private readonly predictor: Predictor) {}

  /** The checkpoint file the model was loaded from. */
  get file(): string {
    return this.predictor.checkpoint.file;
  }

  /** The model's name, e.g. "lenet5". */
  get name(): string {
    return this.predictor.checkpoint.model.name;
  }

  /** The dataset it was trained on, e.g. "mnist". */
  get dataset(): string {
    return this.predictor.checkpoint.dataset.name;
  }

  /** One label per output class, in index order. */
  get classNames(): string[] {
    return this.predictor.classNames;
  }

  /** The network's input [C, H, W]; images of any size are fitted to it. */
  get inputShape(): [number, number, number] {
    return this.predictor.inputShape;
  }

  /**
   * The most probable classes of an image (a file path, a Buffer of PNG/JPEG bytes, or raw
   * pixels { data, width, height, channels }), most probable first; given an array of
   * images, one such list per image, in order.
   */
  predict(input: ImageInput, options?: PredictOptions): Promise<TopClass[]>;
  predict(inputs: ImageInput[], options?: PredictOptions): Promise<TopClass[][]>;
  async predict(input: ImageInput | ImageInput[], options?: PredictOptions): Promise<TopClass[] | TopClass[][]> {
    const { values } = resolveOptions<{ top: number }>(
      'model.predict()',
      registerPredict,
      options,
      (key) => key === 'top',
    );
    const inputs = Array.isArray(input) ? input : [input];
    inputs.forEach(checkInput);
    const predictions = await this.predictor.predict(inputs, values.top);
    const tops = predictions.map((p) => p.top);
    return Array.isArray(input) ? tops : tops[0];
  }

  /** Releases the network and its memory; later predict() calls reject. */
  close(): void {
    this.predictor.close();
  }
}

/** Loads a checkpoint written by `cnn train` (or cnn.train()). Rejects with an Error naming the file and what is wrong. */
export async function loadModel(file: string, options?: LoadModelOptions): Promise<Model> {
  if (typeof file !== 'string' || file === '')
    throw new TypeError(`cnn.loadModel(): file must be the path of a .safetensors checkpoint, got ${typeof file}`);
  const { values } = resolveOptions<{ threads: number }>(
    'cnn.loadModel()',
    registerPredict,
    options,
    (key) => key === 'threads',
  );
  return new Model(Predictor.load(file, values.threads));
}

function checkInput(input: unknown, index: number): void {
  if (typeof input === 'string' || input instanceof Uint8Array) return;
  if (isRawImage(input)) {
    try {
      checkRawImage(input, describeInput(input, index));
    } catch (e) {
      throw new TypeError(`model.predict(): ${(e as Error).message}`);
    }
    return;
  }
  throw new TypeError(
    `model.predict(): image ${index + 1} must be a file path, a Buffer of PNG or JPEG bytes, or raw pixels { data, width, height, channels }`,
  );
}
