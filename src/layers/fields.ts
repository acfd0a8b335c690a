// Checks on the fields of a JSON layer spec, shared by every layer kind. Each check throws
// an Error that starts with `where` (e.g. `layer 3 (conv2)`) and names the field, so a
// user editing a model file knows exactly which line to fix.
import { MODEL_LIMITS, structuralLimitText, type StructuralLimit } from '../model/limits';

/** A short, readable rendering of a wrong value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(above + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}

/** The candidate closest to `word`, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `raw` as an object whose every field is one of `allowed` (a layer kind's fields, a model file's). */
export function expectFields(raw: unknown, where: string, allowed: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(raw)) throw new Error(`${where}: expected an object, got ${describeValue(raw)}`);
  for (const field of Object.keys(raw)) {
    if (allowed.includes(field)) continue;
    const guess = closest(field, allowed);
    const hint = guess ? ` (did you mean "${guess}"?)` : '';
    throw new Error(
      `${where}: unknown field "${field}"${hint}; known fields: ${allowed.map((f) => `"${f}"`).join(', ')}`,
    );
  }
  return raw;
}

/** A required positive integer, at most the structural limit `limit` (src/model/limits.ts). */
export function positiveInteger(
  raw: Record<string, unknown>,
  field: string,
  where: string,
  limit: StructuralLimit,
): number {
  const value = raw[field];
  if (value === undefined) throw new Error(`${where}: "${field}" is required: a positive integer`);
  if (!Number.isInteger(value) || (value as number) <= 0) {
    throw new Error(`${where}: "${field}" must be a positive integer, got ${describeValue(value)}`);
  }
  return withinLimit(value as number, field, where, limit);
}

/** `value` if it is at most the structural limit, else an error naming the field and the limit. */
export function withinLimit(value: number, field: string, where: string, limit: StructuralLimit): number {
  if (value > MODEL_LIMITS[limit]) throw new Error(`${where}: "${field}" is ${structuralLimitText(limit, value)}`);
  return value;
}

export function optionalBoolean(
  raw: Record<string, unknown>,
  field: string,
  where: string,
  fallback: boolean,
): boolean {
  const value = raw[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new Error(`${where}: "${field}" must be true or false, got ${describeValue(value)}`);
  return value;
}

/**
 * A Size2 (one number or [height, width]) as a [h, w] pair; `minimum` 1 for sizes, 0 for
 * padding; each side at most the structural limit `limit`.
 */
export function size2(
  raw: Record<string, unknown>,
  field: string,
  where: string,
  minimum: 0 | 1,
  limit: StructuralLimit,
  fallback?: [number, number],
): [number, number] {
  const value = raw[field];
  if (value === undefined) {
    if (fallback) return fallback;
    throw new Error(`${where}: "${field}" is required: ${sizeWording(minimum)}`);
  }
  const ok = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= minimum;
  let pair: [number, number];
  if (ok(value)) pair = [value, value];
  else if (Array.isArray(value) && value.length === 2 && ok(value[0]) && ok(value[1])) pair = [value[0], value[1]];
  else throw new Error(`${where}: "${field}" must be ${sizeWording(minimum)}, got ${describeValue(value)}`);
  for (const side of pair) withinLimit(side, field, where, limit);
  return pair;
}

function sizeWording(minimum: 0 | 1): string {
  const integer = minimum === 1 ? 'a positive integer' : 'a non-negative integer';
  return `${integer} or [height, width] of such integers`;
}

/** The optional explicit layer name: something that can stand before ".weight" in a tensor name. */
export function optionalName(raw: Record<string, unknown>, where: string): string | undefined {
  const value = raw.name;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value)) {
    throw new Error(
      `${where}: "name" must be a string of letters, digits, "_", "." or "-" starting with a letter or "_", got ${describeValue(value)}`,
    );
  }
  return value;
}

/** Bounds for optionalNumber: `above`/`below` are exclusive, `atLeast` inclusive. */
export interface NumberBounds {
  above?: number;
  atLeast?: number;
  below?: number;
}

/** An optional finite number within `bounds`; the error states the bounds in words. */
export function optionalNumber(
  raw: Record<string, unknown>,
  field: string,
  where: string,
  fallback: number,
  bounds: NumberBounds,
): number {
  const value = raw[field];
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (bounds.above === undefined || value > bounds.above) &&
    (bounds.atLeast === undefined || value >= bounds.atLeast) &&
    (bounds.below === undefined || value < bounds.below);
  if (ok) return value;
  const limits = [
    bounds.above !== undefined ? `greater than ${bounds.above}` : '',
    bounds.atLeast !== undefined ? `at least ${bounds.atLeast}` : '',
    bounds.below !== undefined ? `less than ${bounds.below}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  throw new Error(`${where}: "${field}" must be a number${limits ? ` ${limits}` : ''}, got ${describeValue(value)}`);
}
