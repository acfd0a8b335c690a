// `cnn bench MODEL`: training-step throughput (forward, backward, update) on synthetic
// input of the model's shape, after a warm-up. Nothing is read from disk.
import { Command } from 'commander';
import * as parse from './parse-options';
import { resolveModel } from './resolve';
import { planModel } from '../model/plan';
import { planWithOptions } from './plan-options';
import { initParams } from '../model/init';
import type { Shape } from '../model/types';
import { Rng } from '../train/rng';
import { createRuntime, type NetworkSettings } from '../train/runtime';
import type { NetworkProfile } from '../native';
import { formatProfile } from './bench-profile';
import { applyDefaultThreads } from './default-threads';
import { networkSettingsFromEnv } from './network-settings';
import {
  precisionNote,
  precisionOption,
  resolvePrecision,
  type Precision,
  type PrecisionChoice,
} from './precision-option';

interface BenchOptions {
  batchSize: number;
  threads: number;
  steps: number;
  warmup: number;
  input?: Shape;
  classes?: number;
  json?: boolean;
  profile?: boolean;
  precision?: PrecisionChoice;
  /** How the network is built (default: from the environment, see network-settings.ts). */
  network?: NetworkSettings;
}

export interface BenchResult {
  model: string;
  batchSize: number;
  threads: number;
  precision: Precision;
  steps: number;
  imagesPerSecond: number;
  msPerStep: number;
  /** Median of the per-step times, less sensitive to a noisy machine. */
  medianMsPerStep: number;
  /** Per-layer times over the timed steps, with --profile. */
  profile?: NetworkProfile;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('measure training throughput on synthetic data')
    .argument('<model>', 'a model name or a JSON model file')
    .option('--batch-size <n>', 'images per step', parse.batchSize, 64)
    .option('--threads <n>', 'compute threads', parse.threads, parse.defaultThreads())
    .option('--steps <n>', 'timed steps', parse.positiveInt, 50)
    .option('--warmup <n>', 'untimed steps first', parse.nonNegativeInt, 5)
    .option('--input <C,H,W>', "input shape (default: the model's)", parse.shape)
    .option('--classes <n>', "number of classes (default: the model's)", parse.classCount)
    .option('--json', 'print {model, batchSize, threads, imagesPerSecond, msPerStep} as JSON')
    .option('--profile', "also time every layer's forward and backward and print where the step goes")
    .addOption(precisionOption())
    .action(async (modelArg: string, opts: BenchOptions, cmd: Command) => {
      const model = resolveModel(modelArg);
      const plan = planWithOptions(model, { input: opts.input, classes: opts.classes });
      const threadNote = await applyDefaultThreads(cmd.getOptionValueSource('threads') === 'cli', opts);
      if (threadNote && !opts.json) process.stderr.write(threadNote + '\n');
      const chosen = resolvePrecision(opts.precision);
      if (chosen.note && !opts.json) process.stderr.write(chosen.note + '\n');
      const note = precisionNote(chosen.precision);
      if (note) process.stderr.write(note + '\n');
      const result = await benchPlan(plan, opts);
      if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        process.stdout.write(
          `${result.model}: batch ${result.batchSize}, ${result.threads} thread${result.threads === 1 ? '' : 's'}` +
            `${result.precision === 'fp32' ? '' : `, ${result.precision}`}, ${result.steps} steps: ` +
            `${Math.round(result.imagesPerSecond).toLocaleString('en-US')} images/s, ${result.msPerStep.toFixed(2)} ms/step ` +
            `(median ${result.medianMsPerStep.toFixed(2)} ms)\n`,
        );
        if (result.profile) process.stdout.write(formatProfile(result.profile, result.msPerStep));
      }
    });
}

export async function benchPlan(plan: ReturnType<typeof planModel>, opts: BenchOptions): Promise<BenchResult> {
  const { precision } = resolvePrecision(opts.precision);
  const runtime = createRuntime(plan, {
    maxBatch: opts.batchSize,
    threads: opts.threads,
    network: { ...(opts.network ?? networkSettingsFromEnv()), precision },
  });
  const rng = new Rng(1234);
  initParams(plan, runtime.params, rng);
  const [c, h, w] = plan.input;
  const x = new Float32Array(opts.batchSize * c * h * w);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = new Int32Array(opts.batchSize);
  for (let i = 0; i < y.length; i++) y[i] = rng.int(plan.classes);
  // A small learning rate keeps random-label training from diverging during long runs.
  const sgd = { lr: 1e-3, momentum: 0.9, weightDecay: 5e-4 };
  for (let i = 0; i < opts.warmup; i++) await runtime.net.trainStep(x, y, opts.batchSize, sgd);
  if (opts.profile) runtime.net.setProfiling(true);
  const times: number[] = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < opts.steps; i++) {
    const t0 = process.hrtime.bigint();
    await runtime.net.trainStep(x, y, opts.batchSize, sgd);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
  times.sort((a, b) => a - b);
  const profile = opts.profile ? runtime.net.profile() : undefined;
  return {
    model: plan.model.name,
    batchSize: opts.batchSize,
    threads: opts.threads,
    precision,
    steps: opts.steps,
    imagesPerSecond: (opts.batchSize * opts.steps) / (totalMs / 1000),
    msPerStep: totalMs / opts.steps,
    medianMsPerStep: times[Math.floor(times.length / 2)],
    ...(profile ? { profile } : {}),
  };
}
