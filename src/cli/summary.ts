// `cnn summary MODEL`: the plan as a layer table (or JSON). Training allocates from the
// same plan, so the numbers here are what training uses.
import { Command } from 'commander';
import * as parse from './parse-options';
import { resolveModel } from './resolve';
import { planWithOptions } from './plan-options';
import { formatSummary, summaryJson } from '../model/summary';
import type { Plan, Shape } from '../model/types';
import { layerAlgorithms } from '../train/layer-algorithms';
import { networkSettingsFromEnv } from './network-settings';
import { precisionOption, resolvePrecision, type PrecisionChoice } from './precision-option';

export function registerSummary(program: Command): void {
  program
    .command('summary')
    .description('print the layers of a model: shapes, parameters, connections, memory')
    .argument('<model>', 'a model name (see "cnn models") or a JSON model file')
    .option('--input <C,H,W>', "input shape (default: the model's)", parse.shape)
    .option('--classes <n>', "number of classes (default: the model's)", parse.classCount)
    .option(
      '--batch-size <n>',
      "batch size for the training-memory estimate (default: the model's training batch size)",
      parse.batchSize,
    )
    .option('--json', 'print the summary as one JSON object')
    .option(
      '--algorithms',
      'also show the algorithm each convolution runs (forward/backward-data/backward-weights), as training builds it (CNN_CONV_PATH=auto|gemm|implicit|direct changes the rule)',
    )
    .addOption(
      precisionOption(
        'with --algorithms: the algorithms of fp32 or of bf16 training (they differ), or of the one auto picks here',
      ),
    )
    .action(
      (
        modelArg: string,
        opts: SummaryCliOptions & { json?: boolean; algorithms?: boolean; precision?: PrecisionChoice },
      ) => {
        const { plan, batchSize } = planSummary(modelArg, opts);
        const network = { ...networkSettingsFromEnv(), precision: resolvePrecision(opts.precision).precision };
        const algorithms = opts.algorithms ? layerAlgorithms(plan, network) : undefined;
        const options = { batchSize, algorithms };
        if (opts.json) process.stdout.write(JSON.stringify(summaryJson(plan, options), null, 2) + '\n');
        else process.stdout.write(formatSummary(plan, options) + '\n');
      },
    );
}

export interface SummaryCliOptions {
  input?: Shape;
  classes?: number;
  batchSize?: number;
}

/** The plan `cnn summary` and the library's summary() describe, and the batch size of the memory estimate. */
export function planSummary(modelArg: string, opts: SummaryCliOptions): { plan: Plan; batchSize: number } {
  const model = resolveModel(modelArg);
  const plan = planWithOptions(model, { input: opts.input, classes: opts.classes });
  return { plan, batchSize: opts.batchSize ?? model.defaults?.batchSize ?? 64 };
}
