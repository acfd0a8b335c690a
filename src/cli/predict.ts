// `cnn predict CHECKPOINT IMAGE...`: classifies PNG and JPEG files with a trained network.
// Each image is made to look like the training data (src/image: grey or colour, inverted
// if need be, framed and resized as the dataset's images are) and normalised by the
// trainer's own batcher with the checkpoint's statistics; the top classes are printed.
import { Command } from 'commander';
import * as parse from './parse-options';
import { RunError } from './errors';
import { Batcher } from '../data/batcher';
import type { ImageSet } from '../data/dataset';
import { readImage } from '../image/decode';
import { prepareImage, type PreparedImage } from '../image/convert';
import { imageConvention } from '../image/conventions';
import { createRuntime } from '../train/runtime';
import { loadCheckpoint, type LoadedCheckpoint } from '../train/training-checkpoint';

interface PredictCliOptions {
  top: number;
  json?: boolean;
  threads: number;
}

export interface ClassProbability {
  class: number;
  name: string;
  probability: number;
}

export interface Prediction {
  file: string;
  top: ClassProbability[];
  inverted: boolean;
  steps: string[];
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('classify PNG or JPEG images with a trained checkpoint')
    .argument('<checkpoint>', 'a .safetensors file written by "cnn train"')
    .argument('<images...>', 'PNG or JPEG files, any size, colour or grey')
    .option('--top <k>', 'how many classes to show per image', parse.positiveInt, 3)
    .option('--threads <n>', 'compute threads', parse.threads, parse.defaultThreads())
    .option('--json', 'print [{file, top: [{class, name, probability}], inverted, steps}] as JSON')
    .action(async (file: string, images: string[], opts: PredictCliOptions) => {
      let ckpt: LoadedCheckpoint;
      try {
        ckpt = loadCheckpoint(file);
      } catch (e) {
        throw new RunError((e as Error).message);
      }
      const predictions = await predictFiles(ckpt, images, opts.top, opts.threads);
      if (opts.json) process.stdout.write(JSON.stringify(predictions) + '\n');
      else process.stdout.write(formatPredictions(ckpt, predictions));
    });
}

export async function predictFiles(ckpt: LoadedCheckpoint, files: string[], top: number, threads: number): Promise<Prediction[]> {
  const { plan } = ckpt;
  const convention = imageConvention(ckpt.dataset.name, plan.input);
  const prepared: PreparedImage[] = files.map((f) => {
    try {
      return prepareImage(readImage(f), convention);
    } catch (e) {
      throw new RunError((e as Error).message);
    }
  });
  const probs = await classify(ckpt, prepared, threads);
  const k = plan.classes;
  return prepared.map((image, i) => ({
    file: files[i],
    top: topClasses(probs.subarray(i * k, (i + 1) * k), Math.min(top, k), ckpt.dataset.classNames),
    inverted: image.inverted,
    steps: image.steps,
  }));
}

/** Softmax probabilities (n, classes) from the network, the images normalised as in training. */
async function classify(ckpt: LoadedCheckpoint, images: PreparedImage[], threads: number): Promise<Float32Array> {
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
    throw new RunError(`${ckpt.file}: cannot feed ${shape.join('x')} images to model ${ckpt.model.name}: ${(e as Error).message}`);
  }
  const [c, h, w] = plan.input;
  const x = new Float32Array(n * c * h * w);
  batcher.fill(Uint32Array.from({ length: n }, (_, i) => i), 0, n, x, new Int32Array(n));
  const runtime = createRuntime(plan, { maxBatch: n, threads });
  runtime.params.set(ckpt.params);
  const probs = new Float32Array(n * plan.classes);
  await runtime.net.forward(x, n, probs);
  return probs;
}

function topClasses(probs: Float32Array, k: number, names: string[]): ClassProbability[] {
  return Array.from(probs, (probability, index) => ({ class: index, name: names[index] ?? String(index), probability }))
    .sort((a, b) => b.probability - a.probability || a.class - b.class)
    .slice(0, k);
}

export function formatPredictions(ckpt: LoadedCheckpoint, predictions: Prediction[]): string {
  const lines: string[] = [`${ckpt.file}: model ${ckpt.model.name}, trained on ${ckpt.dataset.name}`];
  for (const p of predictions) {
    lines.push('');
    lines.push(`${p.file}  (${p.steps.join('; ')})`);
    const width = Math.max(...p.top.map((t) => `${t.class} ${t.name}`.length));
    for (const t of p.top) {
      const label = t.name === String(t.class) ? t.name : `${t.class} ${t.name}`;
      lines.push(`  ${label.padEnd(width)}  ${(100 * t.probability).toFixed(2).padStart(6)}%`);
    }
  }
  return lines.join('\n') + '\n';
}
