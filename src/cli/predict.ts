// `cnn predict CHECKPOINT IMAGE...`: classifies PNG and JPEG files with a trained network
// (src/predict/predictor.ts) and prints the top classes of each.
import { Command } from 'commander';
import * as parse from './parse-options';
import { RunError } from './errors';
import { Predictor, type Prediction } from '../predict/predictor';

interface PredictCliOptions {
  top: number;
  json?: boolean;
  threads: number;
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
      let predictor: Predictor;
      let predictions: Prediction[];
      try {
        predictor = Predictor.load(file, opts.threads);
        predictions = await predictor.predict(images, opts.top);
      } catch (e) {
        throw new RunError((e as Error).message);
      }
      if (opts.json) process.stdout.write(JSON.stringify(predictions.map((p, i) => predictionJson(images[i], p))) + '\n');
      else process.stdout.write(formatPredictions(predictor, images, predictions));
    });
}

function predictionJson(file: string, p: Prediction) {
  return { file, top: p.top.map((t) => ({ class: t.index, name: t.label, probability: t.probability })), inverted: p.inverted, steps: p.steps };
}

function formatPredictions(predictor: Predictor, files: string[], predictions: Prediction[]): string {
  const ckpt = predictor.checkpoint;
  const lines: string[] = [`${ckpt.file}: model ${ckpt.model.name}, trained on ${ckpt.dataset.name}`];
  predictions.forEach((p, i) => {
    lines.push('');
    lines.push(`${files[i]}  (${p.steps.join('; ')})`);
    const width = Math.max(...p.top.map((t) => `${t.index} ${t.label}`.length));
    for (const t of p.top) {
      const label = t.label === String(t.index) ? t.label : `${t.index} ${t.label}`;
      lines.push(`  ${label.padEnd(width)}  ${(100 * t.probability).toFixed(2).padStart(6)}%`);
    }
  });
  return lines.join('\n') + '\n';
}
