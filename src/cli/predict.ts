// `cnn predict CHECKPOINT IMAGE_OR_DIR...`: classifies image files (a directory: every image
// in it) with a trained network (src/predict/predictor.ts) and prints the top classes of
// each, as a table, as JSON (--json) or into a CSV file (--csv).
import { Command } from 'commander';
import * as parse from './parse-options';
import { RunError } from './errors';
import { Predictor, type Prediction } from '../predict/predictor';
import { expandImagePaths } from '../predict/image-paths';
import { checkOutputPlan } from './output-plan';
import { writeFileAtomically } from '../io/atomic-write';

interface PredictCliOptions {
  top: number;
  json?: boolean;
  csv?: string;
  threads: number;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('classify images (files, or every image in a directory) with a trained checkpoint')
    .argument('<checkpoint>', 'a .safetensors file written by "cnn train"')
    .argument('<images...>', 'PNG, JPEG, WebP, GIF or TIFF files of any size, colour or grey, or directories of them')
    .option('--top <k>', 'how many classes to show per image', parse.positiveInt, 3)
    .option('--threads <n>', 'compute threads', parse.threads, parse.defaultThreads())
    .option('--json', 'print [{file, top: [{class, name, probability}], inverted, steps}] as JSON')
    .option('--csv <file>', 'also write one line per image: file, then the top labels and their probabilities')
    .action(async (file: string, args: string[], opts: PredictCliOptions) => {
      // --csv is checked before any work: a writable regular file or absent, and none of the inputs.
      if (opts.csv !== undefined) {
        checkOutputPlan(
          [{ option: '--csv', file: opts.csv }],
          [{ option: 'CHECKPOINT', path: file }, ...args.map((a) => ({ option: 'IMAGE', path: a }))],
        );
      }
      const { files: images, notes } = expandImagePaths(args);
      for (const note of notes) process.stderr.write(`note: ${note}\n`);
      let predictor: Predictor;
      let predictions: Prediction[];
      try {
        predictor = Predictor.load(file, opts.threads);
        predictions = await predictor.predict(images, opts.top);
      } catch (e) {
        throw new RunError((e as Error).message);
      }
      if (opts.csv !== undefined) {
        writeCsv(opts.csv, images, predictions, opts.top);
        process.stderr.write(`wrote ${predictions.length} predictions to ${opts.csv}\n`);
      }
      if (opts.json)
        process.stdout.write(JSON.stringify(predictions.map((p, i) => predictionJson(images[i], p))) + '\n');
      else if (opts.csv === undefined) process.stdout.write(formatPredictions(predictor, images, predictions));
    });
}

function predictionJson(file: string, p: Prediction) {
  return {
    file,
    top: p.top.map((t) => ({ class: t.index, name: t.label, probability: t.probability })),
    inverted: p.inverted,
    steps: p.steps,
  };
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

/** A CSV field, quoted when it holds a comma, quote or line break. */
const csvField = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

function writeCsv(csv: string, files: string[], predictions: Prediction[], top: number): void {
  const k = Math.min(top, ...predictions.map((p) => p.top.length));
  const header = [
    'file',
    ...Array.from({ length: k }, (_, i) =>
      i === 0 ? ['label', 'probability'] : [`label${i + 1}`, `probability${i + 1}`],
    ).flat(),
  ];
  const lines = [header.join(',')];
  predictions.forEach((p, i) => {
    lines.push(
      [csvField(files[i]), ...p.top.slice(0, k).flatMap((t) => [csvField(t.label), t.probability.toFixed(6)])].join(
        ',',
      ),
    );
  });
  try {
    writeFileAtomically(csv, lines.join('\n') + '\n', { what: 'predictions' });
  } catch (e) {
    throw new RunError((e as Error).message);
  }
}
