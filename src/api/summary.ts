// cnn.summary(model): the object `cnn summary MODEL --json` prints, from the same plan.
import { planSummary, registerSummary, type SummaryCliOptions } from '../cli/summary';
import { summaryJson, type SummaryJson } from '../model/summary';
import { resolveOptions } from './options';

export type { SummaryJson };

export interface SummaryOptions {
  /** Input shape [C, H, W] (default: the model's). */
  input?: readonly [number, number, number];
  /** Number of classes (default: the model's). */
  classes?: number;
  /** Batch size of the training-memory estimate (default: the model's training batch size). */
  batchSize?: number;
}

/** The layers of a built-in model (by name) or a JSON model file (by path): shapes, parameters, connections, memory. */
export function summary(model: string, options?: SummaryOptions): SummaryJson {
  if (typeof model !== 'string')
    throw new TypeError(`cnn.summary(): model must be a model name or a JSON model file's path, got ${typeof model}`);
  const { values } = resolveOptions<SummaryCliOptions>(
    'cnn.summary()',
    registerSummary,
    options,
    (key) => key !== 'json',
  );
  const { plan, batchSize } = planSummary(model, values);
  return summaryJson(plan, { batchSize });
}
