// residual: the fields of a residual block {type: "residual", name?, body: [...],
// shortcut?, activation?}. It is not a layer kind of its own: the planner expands it into
// its body layers, a shortcut, an 'add' and an activation (src/model/residual-plan.ts).
// This file checks the block's own fields; the body's layers are parsed by the caller,
// each with its path in the error messages ("layer 4 (layer1.0) body layer 2 (conv2)").
import type { ActivationSpec, ResidualSpec } from '../model/types';
import { closest, describeValue, expectFields, optionalName } from './fields';

const FIELDS = ['type', 'name', 'body', 'shortcut', 'activation'] as const;
const SHORTCUTS = ['identity', 'projection'] as const;
const ACTIVATIONS: ActivationSpec['type'][] = ['relu', 'tanh', 'sigmoid', 'scaled-tanh', 'gelu'];

/** Default block names are this prefix numbered: block1, block2, ... */
export const RESIDUAL_NAME_PREFIX = 'block';

/** The block's fields checked, with its body still raw; activation defaults to 'relu'. */
export function parseResidualFields(raw: unknown, where: string): Omit<ResidualSpec, 'body'> & { body: unknown[] } {
  const fields = expectFields(raw, where, FIELDS);
  const name = optionalName(fields, where);
  const body = fields.body;
  if (!Array.isArray(body) || body.length === 0) {
    throw new Error(
      `${where}: "body" must be a non-empty array of layers (the residual branch), got ${describeValue(body)}`,
    );
  }
  const spec: Omit<ResidualSpec, 'body'> & { body: unknown[] } = {
    type: 'residual',
    ...(name !== undefined ? { name } : {}),
    body,
    activation: activationOf(fields.activation, where),
  };
  const shortcut = fields.shortcut;
  if (shortcut !== undefined) {
    if (!(SHORTCUTS as readonly unknown[]).includes(shortcut)) {
      throw new Error(
        `${where}: "shortcut" must be "identity" or "projection" (omit it to choose by shape), got ${describeValue(shortcut)}`,
      );
    }
    spec.shortcut = shortcut as ResidualSpec['shortcut'];
  }
  return spec;
}

function activationOf(value: unknown, where: string): ResidualSpec['activation'] {
  if (value === undefined) return 'relu';
  if (value === null || (ACTIVATIONS as unknown[]).includes(value)) return value as ResidualSpec['activation'];
  const guess = typeof value === 'string' ? closest(value, ACTIVATIONS) : undefined;
  const hint = guess ? ` (did you mean "${guess}"?)` : '';
  throw new Error(
    `${where}: "activation" must be one of ${ACTIVATIONS.join(', ')} or null (none after the add), got ${describeValue(value)}${hint}`,
  );
}
