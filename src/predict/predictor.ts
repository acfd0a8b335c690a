// Classifies images with a trained checkpoint. The checkpoint is read and its network built
// once; then any number of inputs (files, encoded bytes, raw pixels) are made to look like the
// training data (src/image: grey or colour, inverted if need be, framed and resized as the
// dataset's images are), normalised by the trainer's own batcher with the checkpoint's
// statistics, and run through the network a batch at a time.
import { Batcher } from '../data/batcher';
import type { ImageSet } from '../data/dataset';
import { prepareImage, type PreparedImage } from '../image/convert';
import { imageConvention } from '../image/conventions';
import type { Shape } from '../model/types';
import { createRuntime, type Runtime } from '../train/runtime';
import { loadCheckpoint, type LoadedCheckpoint } from '../train/training-checkpoint';
import { describeInput, isRawImage, loadImageInput, type ImageInput } from './image-input';
import { decodeToShape } from '../image/decode';
import { formatOf, ImageError, readImageFile, FORMATS_TEXT } from '../image/image-file';

/** Images decoded and run per network call: bounds memory when a caller passes thousands. */
export const PREDICT_BATCH = 32;

export interface TopClass {
  /** The class's name (from the dataset), or its index as text when it has none. */
  label: string;
  index: number;
  probability: number;
}

export interface Prediction {
  /** The most probable classes, most probable first. */
  top: TopClass[];
  /** True when the image was inverted to match a light-on-dark dataset. */
  inverted: boolean;
  /** What was done to the image, in order, for the user. */
  steps: string[];
}

export class Predictor {
  private runtime: Runtime | null = null;
  /** Calls run one after another: the native network takes one call at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly checkpoint: LoadedCheckpoint,
    private readonly threads: number,
  ) {}

  /** Reads a checkpoint written by `cnn train`; throws an Error naming the file and the fault. */
  static load(file: string, threads: number): Predictor {
    return new Predictor(loadCheckpoint(file), threads);
  }

  /** One name per network output: the dataset's class names, or the index as text where it has none. */
  get classNames(): string[] {
    const names = this.checkpoint.dataset.classNames;
    return Array.from({ length: this.checkpoint.plan.classes }, (_, i) => names[i] ?? String(i));
  }

  get inputShape(): Shape {
    return [...this.checkpoint.plan.input] as Shape;
  }

  /** The `top` most probable classes of each input, in input order. */
  predict(inputs: ImageInput[], top: number): Promise<Prediction[]> {
    if (this.closed) return Promise.reject(new Error(`${this.checkpoint.file}: the model is closed`));
    const run = this.queue.then(() => this.predictNow(inputs, top));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Lets the native network go; later calls reject. */
  close(): void {
    this.closed = true;
    this.runtime = null;
  }

  private async predictNow(inputs: ImageInput[], top: number): Promise<Prediction[]> {
    const predictions: Prediction[] = [];
    for (let start = 0; start < inputs.length; start += PREDICT_BATCH) {
      const chunk = inputs.slice(start, start + PREDICT_BATCH);
      const prepared = await Promise.all(chunk.map((input, i) => this.prepare(input, start + i)));
      const probs = await this.classify(prepared);
      const k = this.checkpoint.plan.classes;
      const names = this.classNames;
      prepared.forEach((image, i) => {
        predictions.push({
          top: topClasses(probs.subarray(i * k, (i + 1) * k), Math.min(top, k), names),
          inverted: image.inverted,
          steps: image.steps,
        });
      });
    }
    return predictions;
  }

  private async prepare(input: ImageInput, index: number): Promise<PreparedImage> {
    // A model trained on an image folder sees images as its cache made them: resized and centre-cropped.
    if (this.checkpoint.dataset.imageFolder && !isRawImage(input))
      return prepareAsFolder(input, index, this.checkpoint.plan.input);
    const convention = imageConvention(this.checkpoint.dataset.name, this.checkpoint.plan.input);
    return prepareImage(await loadImageInput(input, index), convention);
  }

  /** Softmax probabilities (n, classes), the images normalised as in training. */
  private async classify(images: PreparedImage[]): Promise<Float32Array> {
    const ckpt = this.checkpoint;
    const { plan } = ckpt;
    const n = images.length;
    const shape = images[0].shape;
    const imageSize = shape[0] * shape[1] * shape[2];
    const set: ImageSet = { images: new Uint8Array(n * imageSize), labels: new Uint8Array(n), count: n, shape };
    images.forEach((image, i) => set.images.set(image.bytes, i * imageSize));
    let batcher: Batcher;
    try {
      batcher = new Batcher(set, plan.input, ckpt.dataset.mean, ckpt.dataset.std);
    } catch (e) {
      throw new Error(
        `${ckpt.file}: cannot feed ${shape.join('x')} images to model ${ckpt.model.name}: ${(e as Error).message}`,
      );
    }
    const [c, h, w] = plan.input;
    const x = new Float32Array(n * c * h * w);
    batcher.fill(
      Uint32Array.from({ length: n }, (_, i) => i),
      0,
      n,
      x,
      new Int32Array(n),
    );
    const runtime = this.runtimeFor(n);
    const probs = new Float32Array(n * plan.classes);
    await runtime.net.forward(x, n, probs);
    return probs;
  }

  /** The network, built for at least n images (rebuilt larger when a bigger batch comes). */
  private runtimeFor(n: number): Runtime {
    if (!this.runtime || this.runtime.maxBatch < n) {
      const runtime = createRuntime(this.checkpoint.plan, { maxBatch: n, threads: this.threads });
      runtime.params.set(this.checkpoint.params);
      this.runtime = runtime;
    }
    return this.runtime;
  }
}

function topClasses(probs: Float32Array, k: number, names: string[]): TopClass[] {
  return Array.from(probs, (probability, index) => ({ label: names[index], index, probability }))
    .sort((a, b) => b.probability - a.probability || a.index - b.index)
    .slice(0, k);
}

/** A file or encoded bytes decoded as an image folder's cache decodes them (src/data/image-cache.ts). */
async function prepareAsFolder(input: string | Uint8Array, index: number, shape: Shape): Promise<PreparedImage> {
  const name = describeInput(input, index);
  let bytes: Buffer;
  let format;
  if (typeof input === 'string') {
    ({ bytes, format } = readImageFile(input));
  } else {
    format = formatOf(input);
    if (format === null)
      throw new ImageError(`${name} is not an image cnn reads (${FORMATS_TEXT}; told by its first bytes)`);
    bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  }
  const [c, h, w] = shape;
  const pixels = await decodeToShape(bytes, format, name, [c, h, w]);
  return {
    bytes: pixels,
    shape: [c, h, w],
    inverted: false,
    steps: [`shorter side resized to ${Math.min(h, w)}, centre cropped to ${h}x${w}${c === 1 ? ', grey' : ''}`],
  };
}
