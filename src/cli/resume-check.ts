// `cnn train MODEL --resume FILE` trains the model stored in FILE. When MODEL has the same
// name but other layers (a JSON model file edited since the run started, say), continuing
// silently would train something other than what the command line describes: refuse.
import { planModel } from '../model/plan';
import { swapActivations, type SwapActivation } from '../model/activation-swap';
import type { ModelSpec, Plan } from '../model/types';
import { RunError } from './errors';

/** Each layer as one line: name, type, the spec with defaults filled in, wiring and output shape. */
function layerLines(plan: Plan): string[] {
  return plan.layers.map(
    (l) =>
      `${l.name} (${l.type}) ${JSON.stringify(l.spec)} from [${l.inputs.join(', ')}] -> ${l.outputShape.join('x')}`,
  );
}

/**
 * Throws a RunError (exit 1) naming the first layer where `requested` differs from the
 * checkpoint's model; `activation` is the run's --activation, applied to `requested` first.
 */
export function checkResumedModel(
  requested: ModelSpec,
  modelArg: string,
  checkpoint: string,
  stored: Plan,
  activation?: string,
): void {
  const fix = `resume with the model the run was started with, or start a new run (another --out)`;
  let plan: Plan;
  try {
    const model = activation ? swapActivations(requested, activation as SwapActivation).model : requested;
    plan = planModel(model, { input: stored.input, classes: stored.classes });
  } catch (e) {
    throw new RunError(
      `Cannot resume: ${modelArg} does not fit the run in ${checkpoint} (input ${stored.input.join('x')}, ${stored.classes} classes): ${(e as Error).message}; ${fix}.`,
    );
  }
  const want = layerLines(stored);
  const got = layerLines(plan);
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    if (want[i] !== got[i]) {
      throw new RunError(
        `Cannot resume: ${checkpoint} holds model ${stored.model.name} with other layers than ${modelArg}: ` +
          `layer ${i + 1} is ${want[i] ?? '(none)'} in the checkpoint but ${got[i] ?? '(none)'} in ${modelArg}; ${fix}.`,
      );
    }
  }
}
