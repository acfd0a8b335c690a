// Planning a model with the command line's --input and --classes. When the plan fails only
// because of those options (`summary lenet5 --input 1,4,4` leaves no room for the filters),
// it is a usage error (exit 2) that names the option; when the model fails on its own, the
// model file is at fault (exit 1).
import { UsageError, RunError } from './errors';
import { planModel, type PlanOverrides } from '../model/plan';
import type { ModelSpec, Plan } from '../model/types';

export function planWithOptions(model: ModelSpec, options: PlanOverrides): Plan {
  try {
    return planModel(model, options);
  } catch (e) {
    const message = (e as Error).message;
    const given = describeGiven(options);
    if (given === null || !plansAlone(model)) throw new RunError(message);
    throw new UsageError(`${given}: ${message} (the model plans without ${given}; choose another value)`);
  }
}

function describeGiven(options: PlanOverrides): string | null {
  const parts: string[] = [];
  if (options.input) parts.push(`--input ${options.input.join(',')}`);
  if (options.classes !== undefined) parts.push(`--classes ${options.classes}`);
  return parts.length ? parts.join(' ') : null;
}

function plansAlone(model: ModelSpec): boolean {
  try {
    planModel(model);
    return true;
  } catch {
    return false;
  }
}
