// `cnn eval CHECKPOINT`: accuracy, loss, per-class accuracy and the confusion matrix on the
// test set of the dataset the checkpoint was trained on (or --data / --dataset).
import { Command } from 'commander';
import * as parse from './parse-options';
import { RunError, UsageError } from './errors';
import { resolveDataset, parseDatasetName, resolveImageData } from './resolve';
import { CACHE_DIR_VARIABLE, defaultCacheDir } from '../data/image-cache';
import { DEFAULT_TEST_SPLIT } from '../data/image-folder-dataset';
import { Batcher } from '../data/batcher';
import { createRuntime } from '../train/runtime';
import { evaluateSet, type EvalResult } from '../train/evaluate';
import { loadCheckpoint } from '../train/training-checkpoint';
import { applyDataOptions } from '../data/data-options';
import { checkOutFile, writeMisclassified } from './viz-output';
import { applyDefaultThreads } from './default-threads';
import { checkOutputPlan, datasetInputs } from './output-plan';
import { networkSettingsFromEnv } from './network-settings';
import { precisionNote, precisionOption, resolvePrecision, type PrecisionChoice } from './precision-option';

interface EvalCliOptions {
  data?: string;
  dataset?: string;
  json?: boolean;
  threads: number;
  batchSize: number;
  misclassified?: string;
  top?: number;
  cacheDir?: string;
  precision: PrecisionChoice;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate a checkpoint on the test set')
    .argument('<checkpoint>', 'a .safetensors file written by "cnn train"')
    .option('--dataset <name>', 'dataset to evaluate on (default: the one it was trained on)')
    .option(
      '--data <dir>',
      'the image folder, CSV manifest or directory with the IDX files (default: where it was trained from)',
    )
    .option(
      '--cache-dir <dir>',
      `for an image folder: where the decoded images are cached (default: $${CACHE_DIR_VARIABLE} or ~/.cache/cnn/images)`,
    )
    .option('--batch-size <n>', 'images per forward pass', parse.batchSize, 500)
    .option('--threads <n>', 'compute threads', parse.threads, parse.defaultThreads())
    .option('--json', 'print {accuracy, loss, perClass, confusion, classNames} as JSON')
    .addOption(precisionOption())
    .option('--misclassified <file.png>', 'draw the misclassified test images with true and predicted labels')
    .option('--top <n>', 'with --misclassified: only the N most confident mistakes', parse.positiveInt)
    .action(async (file: string, opts: EvalCliOptions, cmd: Command) => {
      if (opts.misclassified !== undefined)
        checkOutFile(opts.misclassified, '--misclassified', ['.png'], [{ option: 'CHECKPOINT', path: file }]);
      else if (opts.top !== undefined) throw new UsageError('--top needs --misclassified FILE.png');
      let ckpt;
      try {
        ckpt = loadCheckpoint(file);
      } catch (e) {
        throw new RunError((e as Error).message);
      }
      const folder = ckpt.dataset.imageFolder;
      const loaded =
        folder && !opts.dataset
          ? await resolveImageData(opts.data ?? folder.source, {
              shape: [...ckpt.plan.input] as [number, number, number],
              testSplit: folder.testSplit ?? DEFAULT_TEST_SPLIT,
              cacheDir: opts.cacheDir ?? defaultCacheDir(),
              skipBadImages: folder.skipBadImages,
              log: (line) => process.stderr.write(line + '\n'),
              // Another folder given with --data is evaluated as it is; the training folder must split as it did.
              expected: opts.data === undefined ? folder : undefined,
            })
          : resolveDataset(
              parseDatasetName(opts.dataset ?? ckpt.dataset.name),
              opts.data ?? (opts.dataset ? undefined : ckpt.dataset.dir),
            );
      if (folder && !opts.dataset && loaded.classNames.join('\n') !== ckpt.dataset.classNames.join('\n')) {
        throw new RunError(
          `${opts.data ?? folder.source} has the classes ${loaded.classNames.join(', ')} but ${file} was trained on ${ckpt.dataset.classNames.join(', ')}.`,
        );
      }
      // The same data as in training: its --labels subset and --permute-pixels permutation.
      const dataset = applyDataOptions(loaded, {
        labels: ckpt.dataset.labels,
        permutePixels: ckpt.dataset.permutePixels,
      });
      // The dataset's directory is known once the checkpoint is read; no picture goes into it.
      if (opts.misclassified !== undefined)
        checkOutputPlan([{ option: '--misclassified', file: opts.misclassified }], datasetInputs(dataset));
      if (dataset.classes > ckpt.plan.classes) {
        throw new RunError(
          `Dataset ${dataset.name} has ${dataset.classes} classes but ${file} predicts ${ckpt.plan.classes}.`,
        );
      }
      // Images of another size than the training images would be padded to fit: a measurement of something else.
      const trainedOn = ckpt.dataset.fingerprint?.shape;
      if (trainedOn && dataset.test.shape.some((d, i) => d !== trainedOn[i])) {
        throw new RunError(
          `${file} was trained on ${trainedOn.join('x')} images, but the ${dataset.name} test images in ${dataset.source} are ${dataset.test.shape.join('x')}; evaluate on images of the training size.`,
        );
      }
      const threadNote = await applyDefaultThreads(cmd.getOptionValueSource('threads') === 'cli', opts);
      if (threadNote && !opts.json) process.stderr.write(threadNote + '\n');
      const { precision, note: chosen } = resolvePrecision(opts.precision);
      if (chosen && !opts.json) process.stderr.write(chosen + '\n');
      const note = precisionNote(precision);
      if (note) process.stderr.write(note + '\n');
      const runtime = createRuntime(ckpt.plan, {
        maxBatch: opts.batchSize,
        threads: opts.threads,
        network: { ...networkSettingsFromEnv(), precision },
      });
      runtime.params.set(ckpt.params);
      // Normalise exactly as in training: the statistics stored in the checkpoint.
      const batcher = new Batcher(dataset.test, ckpt.plan.input, ckpt.dataset.mean, ckpt.dataset.std);
      const result = await evaluateSet(runtime, batcher, dataset.test.count, opts.batchSize, {
        keepPredictions: opts.misclassified !== undefined,
      });
      if (opts.json) {
        const labels = ckpt.dataset.labels ? { labels: ckpt.dataset.labels } : {};
        process.stdout.write(
          JSON.stringify({
            accuracy: result.accuracy,
            loss: result.loss,
            perClass: result.perClass,
            confusion: result.confusion,
            classNames: dataset.classNames,
            ...labels,
          }) + '\n',
        );
      } else {
        process.stdout.write(
          formatEval(file, ckpt.model.name, dataset.name, dataset.classNames, result, ckpt.dataset.labels),
        );
      }
      if (opts.misclassified !== undefined) {
        const line = writeMisclassified(opts.misclassified, dataset.test, result, dataset.classNames, opts.top);
        (opts.json ? process.stderr : process.stdout).write(line);
      }
    });
}

/**
 * The report; with `labels` (a run on some of the classes, --labels) rows and columns are
 * keyed by the dataset's original labels, not by the head's outputs 0..k-1.
 */
export function formatEval(
  file: string,
  model: string,
  datasetName: string,
  classNames: string[],
  r: EvalResult,
  labels?: number[],
): string {
  const lines: string[] = [];
  lines.push(`${file}: model ${model} on the ${datasetName} test set (${r.count.toLocaleString('en-US')} images)`);
  lines.push(
    `accuracy ${(100 * r.accuracy).toFixed(2)}%  (error ${(100 * (1 - r.accuracy)).toFixed(2)}%)   mean loss ${r.loss.toFixed(4)}`,
  );
  lines.push('');
  const k = r.confusion.length;
  // Outputs beyond the label list (--classes larger than the list) stand for no label: #i.
  const keys = Array.from({ length: k }, (_, i) =>
    labels ? (i < labels.length ? String(labels[i]) : `#${i}`) : String(i),
  );
  const names = Array.from({ length: k }, (_, i) => classNames[i] ?? keys[i]);
  const nameWidth = Math.max(5, ...names.map((n) => n.length));
  const cellWidth = Math.max(5, ...r.confusion.flat().map((v) => String(v).length + 1));
  lines.push('per-class accuracy and confusion matrix (rows: true class, columns: predicted)');
  const header =
    'true'.padEnd(nameWidth) + '  ' + 'acc'.padStart(7) + ' |' + keys.map((key) => key.padStart(cellWidth)).join('');
  lines.push(header);
  lines.push('-'.repeat(header.length));
  for (let i = 0; i < k; i++) {
    const acc = Number.isNaN(r.perClass[i]) ? '-' : `${(100 * r.perClass[i]).toFixed(2)}%`;
    lines.push(
      names[i].padEnd(nameWidth) +
        '  ' +
        acc.padStart(7) +
        ' |' +
        r.confusion[i].map((v) => String(v).padStart(cellWidth)).join(''),
    );
  }
  if (names.some((n, i) => n !== keys[i])) {
    lines.push('');
    lines.push('columns: ' + names.map((n, i) => `${keys[i]} ${n}`).join(', '));
  }
  return lines.join('\n') + '\n';
}
