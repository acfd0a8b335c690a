// Transfer learning (`cnn train MODEL --from CHECKPOINT --freeze LAYERS --reinit-head`): start
// from a trained checkpoint's weights, matched by tensor name (the PyTorch names every
// checkpoint uses) with their shapes checked, optionally with the final dense layer (the
// head) drawn afresh for a new class count, and with some layers frozen (no update at all:
// see native/net/frozen_layers.cpp).
import type { Plan, PlannedLayer } from '../model/types';
import type { LoadedCheckpoint } from './training-checkpoint';

/** The --freeze value that freezes every layer with parameters except the head. */
export const ALL_BUT_HEAD = 'all-but-head';

export class TransferError extends Error {}

/** The head: the last dense layer (the classifier that --classes resizes). */
export function headLayer(plan: Plan): PlannedLayer {
  for (let i = plan.layers.length - 1; i >= 0; i--) if (plan.layers[i].type === 'dense') return plan.layers[i];
  throw new TransferError(`model ${plan.model.name} has no dense layer to serve as its head`);
}

const hasParams = (layer: PlannedLayer) => layer.params.length > 0;

/**
 * The layers --freeze names, in plan order. Each item is a layer name as `cnn summary` prints
 * it, a prefix of dotted names (every layer inside a block or stage: "layer1" or "layer1.0"), or
 * "all-but-head". Layers without parameters inside a named block are skipped; naming one
 * directly is an error (there is nothing to freeze).
 */
export function resolveFrozen(plan: Plan, items: readonly string[]): string[] {
  const frozen = new Set<string>();
  const head = headLayer(plan);
  for (const item of items) {
    if (item === ALL_BUT_HEAD) {
      for (const l of plan.layers) if (hasParams(l) && l !== head) frozen.add(l.name);
      continue;
    }
    const exact = plan.layers.find((l) => l.name === item);
    if (exact) {
      if (!hasParams(exact)) {
        throw new TransferError(
          `--freeze ${item}: layer ${item} (${exact.type}) has no parameters to freeze; name layers with weights (${paramLayerNames(plan)})`,
        );
      }
      frozen.add(item);
      continue;
    }
    const inBlock = plan.layers.filter((l) => l.name.startsWith(item + '.') && hasParams(l));
    if (inBlock.length === 0) {
      throw new TransferError(
        `--freeze ${item}: model ${plan.model.name} has no layer or block named "${item}"; layers with weights: ${paramLayerNames(plan)} (or ${ALL_BUT_HEAD})`,
      );
    }
    for (const l of inBlock) frozen.add(l.name);
  }
  return plan.layers.filter((l) => frozen.has(l.name)).map((l) => l.name);
}

function paramLayerNames(plan: Plan): string {
  const names = plan.layers.filter(hasParams).map((l) => l.name);
  return names.length > 12
    ? `${names.slice(0, 12).join(', ')}, ... (see "cnn summary ${plan.model.name}")`
    : names.join(', ');
}

export interface TransferReport {
  /** Tensors copied from the checkpoint. */
  copied: number;
  /** Tensors left at their fresh initialisation (the head's with --reinit-head). */
  fresh: string[];
  /** Checkpoint tensors the model has no use for (an error unless they are the replaced head's). */
  unused: string[];
}

/**
 * Copies `source`'s tensors into `params` (laid out by `plan`, already initialised) by name.
 * Every tensor of the model must be in the checkpoint with the same shape, except the head's
 * with reinitHead, which keep their fresh values. Throws a TransferError naming the tensor
 * and both shapes on a mismatch.
 */
export function transferWeights(
  plan: Plan,
  params: Float32Array,
  source: LoadedCheckpoint,
  reinitHead: boolean,
): TransferReport {
  const available = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const layer of source.plan.layers) {
    for (const t of layer.params)
      available.set(t.name, { shape: t.shape, data: source.params.subarray(t.offset, t.offset + t.size) });
  }
  const head = headLayer(plan);
  const report: TransferReport = { copied: 0, fresh: [], unused: [] };
  const used = new Set<string>();
  for (const layer of plan.layers) {
    for (const t of layer.params) {
      if (reinitHead && layer === head) {
        report.fresh.push(t.name);
        used.add(t.name);
        continue;
      }
      const found = available.get(t.name);
      if (!found) {
        throw new TransferError(
          `--from ${source.file}: tensor "${t.name}" of model ${plan.model.name} is not in the checkpoint (it holds model ${source.model.name}); transfer needs the same layer names`,
        );
      }
      if (found.shape.length !== t.shape.length || found.shape.some((d, i) => d !== t.shape[i])) {
        const hint =
          layer === head ? '; add --reinit-head to start the final dense layer afresh for the new class count' : '';
        throw new TransferError(
          `--from ${source.file}: tensor "${t.name}" has shape [${found.shape.join(', ')}] in the checkpoint but model ${plan.model.name} needs [${t.shape.join(', ')}]${hint}`,
        );
      }
      params.set(found.data, t.offset);
      used.add(t.name);
      report.copied++;
    }
  }
  report.unused = [...available.keys()].filter((name) => !used.has(name));
  if (report.unused.length > 0) {
    throw new TransferError(
      `--from ${source.file}: the checkpoint's tensors ${report.unused
        .slice(0, 5)
        .map((n) => `"${n}"`)
        .join(
          ', ',
        )}${report.unused.length > 5 ? ', ...' : ''} have no place in model ${plan.model.name}; transfer needs the same architecture`,
    );
  }
  return report;
}
