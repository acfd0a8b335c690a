// The model zoo ops (batchNorm*, dropout*, add*, lrn*) called wrongly: wrong argument counts,
// wrong types, wrong buffer lengths, bad sizes, out-of-range settings (eps, momentum, p, seed,
// lrn fields), outputs overlapping other buffers. Each must throw a TypeError or RangeError
// whose message names the function and the argument. As in bad-arguments.test.ts, the calls
// run in a child process (this file, started with CNN_BAD_NORM_OP set), so a crash fails the
// test instead of killing the runner.
import { badArgumentSuite, type BadCall } from './bad-arguments-harness';

type Kind = 'f32' | 'f32?' | 'u8' | 'int' | 'bool' | 'number' | 'lrn';

interface Param {
  name: string;
  kind: Kind;
  length?: number; // buffers: elements in the valid call
  output?: boolean; // buffers the op writes
  value?: unknown; // scalars: the valid value
}

interface OpSpec {
  params: Param[];
  valid: () => unknown[];
}

const [N, C, S] = [2, 3, 4];
const X = N * C * S;
const E = 10; // element-wise ops
const LRN = { size: 3, alpha: 1e-2, beta: 0.75, k: 1 };

const f32 = (name: string, length: number, output = false): Param => ({ name, kind: 'f32', length, output });
const f32opt = (name: string, length: number, output = false): Param => ({ name, kind: 'f32?', length, output });
const u8 = (name: string, length: number, output = false): Param => ({ name, kind: 'u8', length, output });
const int = (name: string, value: number): Param => ({ name, kind: 'int', value });
const bool = (name: string, value = false): Param => ({ name, kind: 'bool', value });
const num = (name: string, value: number): Param => ({ name, kind: 'number', value });
const ncs = [int('n', N), int('c', C), int('s', S)];

function validValue(p: Param): unknown {
  switch (p.kind) {
    case 'f32':
    case 'f32?':
      return new Float32Array(p.length!).fill(0.5);
    case 'u8':
      return new Uint8Array(p.length!).fill(1);
    case 'lrn':
      return { ...LRN };
    default:
      return p.value;
  }
}

function spec(params: Param[]): OpSpec {
  return { params, valid: () => params.map(validValue) };
}

export const ops: Record<string, OpSpec> = {
  batchNormForward: spec([
    ...ncs,
    f32('x', X),
    f32('gamma', C),
    f32('beta', C),
    f32('runningMean', C, true),
    f32('runningVar', C, true),
    num('eps', 1e-5),
    num('momentum', 0.1),
    bool('training', true),
    f32('y', X, true),
    f32opt('saveMean', C, true),
    f32opt('saveInvStd', C, true),
  ]),
  batchNormBackward: spec([
    ...ncs,
    f32('x', X),
    f32('gamma', C),
    f32('saveMean', C),
    f32('saveInvStd', C),
    f32('dy', X),
    f32opt('dx', X, true),
    f32('dgamma', C, true),
    f32('dbeta', C, true),
    bool('accumulate'),
  ]),
  dropoutForward: spec([
    num('p', 0.5),
    int('seed', 1),
    int('stream', 0),
    f32('x', E),
    f32('y', E, true),
    u8('mask', E, true),
  ]),
  dropoutBackward: spec([num('p', 0.5), u8('mask', E), f32('dy', E), f32('dx', E, true), bool('accumulate')]),
  addForward: spec([f32('a', E), f32('b', E), f32('out', E, true)]),
  addBackward: spec([
    f32('dout', E),
    f32opt('da', E, true),
    bool('accumulateA'),
    f32opt('db', E, true),
    bool('accumulateB'),
  ]),
  lrnForward: spec([...ncs, { name: 'lrn', kind: 'lrn' }, f32('x', X), f32('y', X, true), f32('scale', X, true)]),
  lrnBackward: spec([
    ...ncs,
    { name: 'lrn', kind: 'lrn' },
    f32('x', X),
    f32('y', X),
    f32('scale', X),
    f32('dy', X),
    f32('dx', X, true),
    bool('accumulate'),
  ]),
};

type Case = BadCall;

function withArg(op: OpSpec, index: number, value: unknown): () => unknown[] {
  return () => {
    const a = op.valid();
    a[index] = value;
    return a;
  };
}

/** Typed arrays of the given lengths on one buffer, the second starting one byte-aligned element in. */
function overlapping(a: Param, b: Param): [unknown, unknown] {
  const bytes = (p: Param) => (p.kind === 'u8' ? 1 : 4) * p.length!;
  const buffer = new ArrayBuffer(Math.max(bytes(a), bytes(b) + 4));
  const make = (p: Param, offset: number) =>
    p.kind === 'u8' ? new Uint8Array(buffer, offset, p.length!) : new Float32Array(buffer, offset, p.length!);
  return [make(a, 0), make(b, 4)];
}

export function casesFor(name: string): Case[] {
  const op = ops[name];
  const cases: Case[] = [];
  const prefix = `^${name}: `;
  const where = (m: string) => new RegExp(prefix + m);
  const count = op.params.length;
  cases.push({
    label: 'no arguments',
    args: () => [],
    error: 'TypeError',
    message: where(`expected ${count} arguments, got 0`),
  });
  cases.push({
    label: 'one argument too many',
    args: () => [...op.valid(), 0],
    error: 'TypeError',
    message: where('expected \\d+ arguments'),
  });

  op.params.forEach((p, i) => {
    switch (p.kind) {
      case 'int':
        for (const v of [-3, 2.5, NaN])
          cases.push({
            label: `${p.name} = ${v}`,
            args: withArg(op, i, v),
            error: 'RangeError',
            message: where(`${p.name} must be an integer in \\[`),
          });
        if (p.name !== 'seed' && p.name !== 'stream')
          cases.push({
            label: `${p.name} = 0`,
            args: withArg(op, i, 0),
            error: 'RangeError',
            message: where(`${p.name} must be an integer in \\[`),
          });
        else
          cases.push({
            label: `${p.name} = 2^32`,
            args: withArg(op, i, 2 ** 32),
            error: 'RangeError',
            message: where(`${p.name} must be an integer in \\[0, 4294967295\\]`),
          });
        cases.push({
          label: `${p.name} is a string`,
          args: withArg(op, i, '2'),
          error: 'TypeError',
          message: where(`${p.name} must be a number`),
        });
        break;
      case 'bool':
        cases.push({
          label: `${p.name} is a number`,
          args: withArg(op, i, 1),
          error: 'TypeError',
          message: where(`${p.name} must be a boolean`),
        });
        break;
      case 'number':
        cases.push({
          label: `${p.name} is a string`,
          args: withArg(op, i, '0.1'),
          error: 'TypeError',
          message: where(`${p.name} must be a number`),
        });
        for (const v of [NaN, Infinity])
          cases.push({
            label: `${p.name} = ${v}`,
            args: withArg(op, i, v),
            error: 'RangeError',
            message: where(`${p.name} must be `),
          });
        break;
      case 'lrn':
        cases.push({
          label: 'lrn is a number',
          args: withArg(op, i, 3),
          error: 'TypeError',
          message: where('lrn must be an object'),
        });
        for (const [field, v, rule] of [
          ['size', 0, 'must be an integer in'],
          ['size', 1.5, 'must be an integer in'],
          ['alpha', -1, 'must be >= 0'],
          ['beta', -0.5, 'must be >= 0'],
          ['k', 0, 'must be > 0'],
          ['k', -1, 'must be > 0'],
          ['alpha', NaN, 'must be >= 0'],
          ['beta', Infinity, 'must be >= 0'],
        ] as const)
          cases.push({
            label: `lrn.${field} = ${v}`,
            args: withArg(op, i, { ...LRN, [field]: v }),
            error: 'RangeError',
            message: where(`lrn\\.${field} ${rule}`),
          });
        for (const field of ['size', 'alpha', 'beta', 'k'])
          cases.push({
            label: `lrn.${field} missing`,
            args: withArg(op, i, { ...LRN, [field]: undefined }),
            error: 'TypeError',
            message: where(`(lrn\\.)?${field} must be a number`),
          });
        break;
      case 'f32':
      case 'f32?': {
        const typeMessage = where(`${p.name} must be a Float32Array${p.kind === 'f32?' ? ' or null' : ''}`);
        cases.push({
          label: `${p.name} is a Float64Array`,
          args: withArg(op, i, new Float64Array(p.length!)),
          error: 'TypeError',
          message: typeMessage,
        });
        cases.push({
          label: `${p.name} is a plain array`,
          args: withArg(op, i, new Array(p.length!).fill(0)),
          error: 'TypeError',
          message: typeMessage,
        });
        if (p.kind === 'f32')
          cases.push({
            label: `${p.name} is null`,
            args: withArg(op, i, null),
            error: 'TypeError',
            message: typeMessage,
          });
        // Element-wise ops take their count from their first buffer: a wrong length there is
        // reported on a later buffer (or as empty).
        for (const len of [p.length! + 1, p.length! - 1])
          cases.push({
            label: `${p.name} has ${len} elements`,
            args: withArg(op, i, new Float32Array(len)),
            error: 'RangeError',
            message: where(
              `(${p.name} has ${len} elements, expected [a-zA-Z*.]+ = ${p.length}$|\\w+ has ${p.length} elements, expected (${p.name}\\.length = )?${len})`,
            ),
          });
        break;
      }
      case 'u8':
        cases.push({
          label: `${p.name} is a Float32Array`,
          args: withArg(op, i, new Float32Array(p.length!)),
          error: 'TypeError',
          message: where(`${p.name} must be a Uint8Array`),
        });
        cases.push({
          label: `${p.name} is an Int8Array`,
          args: withArg(op, i, new Int8Array(p.length!)),
          error: 'TypeError',
          message: where(`${p.name} must be a Uint8Array`),
        });
        cases.push({
          label: `${p.name} has ${p.length! + 1} elements`,
          args: withArg(op, i, new Uint8Array(p.length! + 1)),
          error: 'RangeError',
          message: where(`${p.name} has ${p.length! + 1} elements, expected [a-zA-Z*.]+ = ${p.length}$`),
        });
        break;
    }
  });

  // Every output against every other buffer: each partially overlaps the other.
  op.params.forEach((out, i) => {
    if (!out.output) return;
    op.params.forEach((other, j) => {
      if (j === i || other.length === undefined) return;
      cases.push({
        label: `${out.name} overlaps ${other.name}`,
        args: () => {
          const a = op.valid();
          [a[j], a[i]] = overlapping(other, out);
          return a;
        },
        error: 'RangeError',
        message: new RegExp(
          `${prefix}(${out.name}|${other.name}) must not share memory with (${other.name}|${out.name})`,
        ),
      });
    });
  });

  cases.push(...specificCases(name, op, where));
  return cases;
}

function specificCases(name: string, op: OpSpec, where: (m: string) => RegExp): Case[] {
  const cases: Case[] = [];
  const index = (p: string) => op.params.findIndex((q) => q.name === p);
  const bad = (label: string, param: string, value: unknown, message: string, error: Case['error'] = 'RangeError') =>
    cases.push({ label, args: withArg(op, index(param), value), error, message: where(message) });
  if (name === 'batchNormForward') {
    bad('eps = 0', 'eps', 0, 'eps must be > 0');
    bad('eps < 0', 'eps', -1e-5, 'eps must be > 0');
    bad('momentum < 0', 'momentum', -0.1, 'momentum must be in \\[0, 1\\]');
    bad('momentum > 1', 'momentum', 1.5, 'momentum must be in \\[0, 1\\]');
    bad('saveMean null in training', 'saveMean', null, 'saveMean must be a Float32Array in training', 'TypeError');
    cases.push({
      label: 'negative running variance in evaluation',
      error: 'RangeError',
      message: where('runningVar\\[1\\] must be >= 0'),
      args: () => {
        const a = op.valid();
        a[index('training')] = false;
        (a[index('runningVar')] as Float32Array)[1] = -1;
        return a;
      },
    });
    cases.push({
      label: 'sizes too large to index',
      error: 'RangeError',
      message: where('x = n\\*c\\*s would have more than'),
      args: () => {
        const a = op.valid();
        a[0] = 2 ** 24;
        a[1] = 2 ** 24;
        return a;
      },
    });
  }
  if (name.startsWith('dropout')) {
    for (const p of [1, -0.1, 1.5, 0.99999999]) bad(`p = ${p}`, 'p', p, 'p must be in \\[0, 1\\)');
  }
  if (name === 'dropoutBackward')
    cases.push({
      label: 'mask value 2',
      error: 'RangeError',
      message: where('mask\\[3\\] must be 0 or 1'),
      args: () => {
        const a = op.valid();
        (a[1] as Uint8Array)[3] = 2;
        return a;
      },
    });
  if (name === 'lrnBackward')
    cases.push({
      label: 'scale not positive',
      error: 'RangeError',
      message: where('scale\\[4\\] must be > 0'),
      args: () => {
        const a = op.valid();
        (a[index('scale')] as Float32Array)[4] = 0;
        return a;
      },
    });
  if (name === 'addBackward')
    cases.push({
      label: 'da is db',
      error: 'RangeError',
      message: where('(da|db) must not share memory with (da|db)'),
      args: () => {
        const a = op.valid();
        a[3] = a[1];
        return a;
      },
    });
  return cases;
}

badArgumentSuite({
  childVariable: 'CNN_BAD_NORM_OP',
  file: __filename,
  ops: Object.keys(ops),
  casesFor,
  validArgs: (name) => ops[name].valid(),
});
