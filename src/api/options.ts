// A library call's options are a command's options: `cnn.train({ batchSize: 32 })` is
// `cnn train --batch-size 32`. The command declared in src/cli/ is built (never run) and its
// options give the names, the defaults, the choices and the parsers, so the library and the
// command line accept the same values and report the same reasons. Only the shape of a
// value differs: numbers, booleans and arrays here, text there.
import { Command, InvalidArgumentError, type Option } from 'commander';

export interface ResolvedOptions<T> {
  /** Every option of the command: the caller's values, parsed, over the command's defaults. */
  values: T;
  /** True when the caller gave this option (some checks and defaults depend on it). */
  isExplicit(key: string): boolean;
}

/**
 * Checks `given` against the options of the command `register` declares and returns them
 * parsed, over the command's defaults. `accepted` tells which option names the call takes
 * (all of the command's when omitted; the others keep their defaults). Throws TypeError for an unknown option or a value of the
 * wrong kind, RangeError for a value the option's parser refuses; messages start with `caller`.
 */
export function resolveOptions<T>(
  caller: string,
  register: (program: Command) => void,
  given: object | undefined,
  accepted: (key: string) => boolean = () => true,
): ResolvedOptions<T> {
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw new TypeError(`${caller}: options must be an object, got ${describe(given)}`);
  }
  const program = new Command();
  register(program);
  const options = program.commands[0].options;
  const byName = new Map(options.filter((o) => accepted(o.attributeName())).map((o) => [o.attributeName(), o]));
  const values: Record<string, unknown> = {};
  for (const o of options)
    if (o.defaultValue !== undefined || o.negate) values[o.attributeName()] = o.defaultValue ?? true;
  const explicit = new Set<string>();
  for (const [key, value] of Object.entries(given ?? {})) {
    if (value === undefined) continue;
    const option = byName.get(key);
    if (!option)
      throw new TypeError(`${caller}: unknown option "${key}"; the options are: ${[...byName.keys()].join(', ')}`);
    values[key] = parseValue(caller, key, option, value);
    explicit.add(key);
  }
  return { values: values as T, isExplicit: (key) => explicit.has(key) };
}

function parseValue(caller: string, key: string, option: Option, value: unknown): unknown {
  if (option.isBoolean()) {
    if (typeof value !== 'boolean')
      throw new TypeError(`${caller}: option "${key}" must be true or false, got ${describe(value)}`);
    return value;
  }
  const text = asText(value);
  if (text === null)
    throw new TypeError(`${caller}: option "${key}" must be a string or a number, got ${describe(value)}`);
  if (option.argChoices && !option.argChoices.includes(text)) {
    throw new RangeError(
      `${caller}: option "${key}" must be one of ${option.argChoices.join(', ')}, got ${describe(value)}`,
    );
  }
  if (!option.parseArg) return text;
  try {
    return option.parseArg(text, undefined);
  } catch (e) {
    if (e instanceof InvalidArgumentError)
      throw new RangeError(`${caller}: option "${key}" is invalid (${describe(value)}): ${e.message}`);
    throw e;
  }
}

/** The command-line text of a value: arrays (a shape, a label list) become comma lists. */
function asText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number'))
    return value.join(',');
  return null;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value === null) return 'null';
  if (typeof value === 'object') return value instanceof Uint8Array ? 'a Uint8Array' : 'an object';
  return String(value);
}
