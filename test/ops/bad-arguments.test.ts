// Every per-op function of the test addon called wrongly: wrong argument count, wrong types, wrong buffer
// lengths, zero/negative/fractional/huge shape fields, outputs overlapping inputs, and
// op-specific bad values (labels, argmax, activation names, windows larger than the input).
// Each must throw a TypeError or RangeError whose message names the function and the
// argument. The calls run in a child process (this same file, started with
// CNN_BAD_ARGS_OP set), so a crash fails the test instead of killing the runner.
import { badArgumentSuite, type BadCall } from './bad-arguments-harness';

type ParamKind =
  'convShape' | 'poolShape' | 'f32' | 'f32?' | 'i32' | 'int' | 'bool' | 'number' | 'kind' | 'lossOptions' | 'adamw';

interface Param {
  name: string;
  kind: ParamKind;
  /** Elements of a buffer argument in the valid call. */
  length?: number;
  output?: boolean;
}

interface OpSpec {
  params: Param[];
  /** A valid call's arguments, built fresh for every case (outputs get written). */
  valid: () => unknown[];
}

const convShape = { n: 2, c: 2, h: 5, w: 5, oc: 3, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 }; // oh = ow = 5
const poolShape = { n: 2, c: 3, h: 6, w: 6, kh: 2, kw: 2, sh: 2, sw: 2, ph: 1, pw: 1 }; // oh = ow = 4
const CONV = { x: 100, w: 54, b: 3, y: 150 };
const POOL = { x: 216, y: 96 };

const f32 = (name: string, length: number, output = false): Param => ({ name, kind: 'f32', length, output });
const f32opt = (name: string, length: number, output = false): Param => ({ name, kind: 'f32?', length, output });
const i32 = (name: string, length: number, output = false): Param => ({ name, kind: 'i32', length, output });
const int = (name: string): Param => ({ name, kind: 'int' });
const bool = (name: string): Param => ({ name, kind: 'bool' });
const num = (name: string): Param => ({ name, kind: 'number' });

/** A valid argument for a parameter: shapes, filled buffers, small sizes. */
function validValue(p: Param, ints: number[]): unknown {
  switch (p.kind) {
    case 'convShape':
      return { ...convShape };
    case 'poolShape':
      return { ...poolShape };
    case 'f32':
    case 'f32?':
      return new Float32Array(p.length!).fill(0.5);
    case 'i32':
      return new Int32Array(p.length!); // zeros: valid labels and argmax
    case 'int':
      return ints.shift();
    case 'bool':
      return false;
    case 'number':
      return 0.1;
    case 'kind':
      return 'tanh';
    case 'lossOptions':
      return { labelSmoothing: 0.1, classWeights: new Float32Array(SK).fill(1) };
    case 'adamw':
      return { ...ADAMW };
  }
}

function spec(params: Param[], ints: number[] = []): OpSpec {
  return {
    params,
    valid: () => {
      const queue = ints.slice();
      return params.map((p) => validValue(p, queue));
    },
  };
}

const shapeP = (kind: 'convShape' | 'poolShape'): Param => ({ name: 'shape', kind });
const [DN, DIN, DOUT] = [2, 3, 4];
const [AN, AC, AS] = [2, 3, 4];
const [SN, SK] = [3, 4];
const ADAMW = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 1 };

export const ops: Record<string, OpSpec> = {
  conv2dForward: spec([
    shapeP('convShape'),
    f32('x', CONV.x),
    f32('w', CONV.w),
    f32opt('b', CONV.b),
    f32('y', CONV.y, true),
  ]),
  conv2dBackwardData: spec([
    shapeP('convShape'),
    f32('dy', CONV.y),
    f32('w', CONV.w),
    f32('dx', CONV.x, true),
    bool('accumulate'),
  ]),
  conv2dBackwardWeights: spec([
    shapeP('convShape'),
    f32('x', CONV.x),
    f32('dy', CONV.y),
    f32('dw', CONV.w, true),
    f32opt('db', CONV.b, true),
  ]),
  maxPoolForward: spec([shapeP('poolShape'), f32('x', POOL.x), f32('y', POOL.y, true), i32('argmax', POOL.y, true)]),
  maxPoolBackward: spec([
    shapeP('poolShape'),
    f32('dy', POOL.y),
    i32('argmax', POOL.y),
    f32('dx', POOL.x, true),
    bool('accumulate'),
  ]),
  avgPoolForward: spec([shapeP('poolShape'), f32('x', POOL.x), f32('y', POOL.y, true)]),
  avgPoolBackward: spec([shapeP('poolShape'), f32('dy', POOL.y), f32('dx', POOL.x, true), bool('accumulate')]),
  denseForward: spec(
    [
      int('n'),
      int('inFeatures'),
      int('outFeatures'),
      f32('x', DN * DIN),
      f32('w', DOUT * DIN),
      f32opt('b', DOUT),
      f32('y', DN * DOUT, true),
    ],
    [DN, DIN, DOUT],
  ),
  denseBackwardData: spec(
    [
      int('n'),
      int('inFeatures'),
      int('outFeatures'),
      f32('dy', DN * DOUT),
      f32('w', DOUT * DIN),
      f32('dx', DN * DIN, true),
      bool('accumulate'),
    ],
    [DN, DIN, DOUT],
  ),
  denseBackwardWeights: spec(
    [
      int('n'),
      int('inFeatures'),
      int('outFeatures'),
      f32('x', DN * DIN),
      f32('dy', DN * DOUT),
      f32('dw', DOUT * DIN, true),
      f32opt('db', DOUT, true),
    ],
    [DN, DIN, DOUT],
  ),
  activationForward: spec([{ name: 'kind', kind: 'kind' }, f32('x', 10), f32('y', 10, true)]),
  activationBackward: spec([
    { name: 'kind', kind: 'kind' },
    f32('y', 10),
    f32('dy', 10),
    f32('dx', 10, true),
    bool('accumulate'),
  ]),
  channelAffineForward: spec(
    [
      int('n'),
      int('c'),
      int('s'),
      f32('x', AN * AC * AS),
      f32('scale', AC),
      f32opt('shift', AC),
      f32('y', AN * AC * AS, true),
    ],
    [AN, AC, AS],
  ),
  channelAffineBackward: spec(
    [
      int('n'),
      int('c'),
      int('s'),
      f32('x', AN * AC * AS),
      f32('scale', AC),
      f32('dy', AN * AC * AS),
      f32opt('dx', AN * AC * AS, true),
      f32('dscale', AC, true),
      f32opt('dshift', AC, true),
      bool('accumulate'),
    ],
    [AN, AC, AS],
  ),
  softmaxCrossEntropy: spec(
    [
      int('n'),
      int('k'),
      f32('logits', SN * SK),
      i32('labels', SN),
      f32('probs', SN * SK, true),
      f32opt('dlogits', SN * SK, true),
    ],
    [SN, SK],
  ),
  softmaxCrossEntropyWithOptions: spec(
    [
      int('n'),
      int('k'),
      f32('logits', SN * SK),
      i32('labels', SN),
      f32('probs', SN * SK, true),
      f32opt('dlogits', SN * SK, true),
      { name: 'options', kind: 'lossOptions' },
    ],
    [SN, SK],
  ),
  sgdUpdate: spec([
    f32('params', 8, true),
    f32('grads', 8),
    f32('velocity', 8, true),
    num('lr'),
    num('momentum'),
    num('weightDecay'),
  ]),
  adamwUpdate: spec([
    f32('params', 8, true),
    f32('grads', 8),
    f32('expAvg', 8, true),
    f32('expAvgSq', 8, true),
    { name: 'settings', kind: 'adamw' },
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

function withShapeField(op: OpSpec, field: string, value: unknown): () => unknown[] {
  return () => {
    const a = op.valid();
    (a[0] as Record<string, unknown>)[field] = value;
    return a;
  };
}

function escape(s: string): RegExp {
  return new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/** Typed arrays of the given lengths on one buffer, the second starting one element in. */
function overlapping(a: Param, b: Param): [unknown, unknown] {
  const buffer = new ArrayBuffer(4 * Math.max(a.length!, b.length! + 1));
  const make = (p: Param, offset: number) =>
    p.kind === 'i32' ? new Int32Array(buffer, offset * 4, p.length!) : new Float32Array(buffer, offset * 4, p.length!);
  return [make(a, 0), make(b, 1)];
}

/** Every case for one op: generic ones derived from the parameter list, then specific ones. */
export function casesFor(name: string): Case[] {
  const op = ops[name];
  const cases: Case[] = [];
  const prefix = `^${name}: `;
  const count = op.params.length;

  cases.push({
    label: 'no arguments',
    args: () => [],
    error: 'TypeError',
    message: new RegExp(`${prefix}expected ${count} arguments, got 0`),
  });
  cases.push({
    label: 'one argument too few',
    args: () => op.valid().slice(0, -1),
    error: 'TypeError',
    message: /expected \d+ arguments/,
  });
  cases.push({
    label: 'one argument too many',
    args: () => [...op.valid(), 0],
    error: 'TypeError',
    message: /expected \d+ arguments/,
  });

  op.params.forEach((p, i) => {
    const where = (m: string) => new RegExp(prefix + m);
    switch (p.kind) {
      case 'convShape':
      case 'poolShape': {
        cases.push({
          label: 'shape is a number',
          args: withArg(op, i, 5),
          error: 'TypeError',
          message: where('shape must be an object'),
        });
        cases.push({
          label: 'shape is an array',
          args: withArg(op, i, [1, 2]),
          error: 'TypeError',
          message: where('shape must be an object'),
        });
        cases.push({
          label: 'shape is null',
          args: withArg(op, i, null),
          error: 'TypeError',
          message: where('shape must be an object'),
        });
        const fields = Object.keys(p.kind === 'convShape' ? convShape : poolShape);
        for (const f of fields) {
          const padding = f === 'ph' || f === 'pw';
          const bad: unknown[] = padding ? [-1, 0.5, NaN, 2 ** 25] : [0, -1, 1.5, NaN, Infinity, 2 ** 25];
          for (const v of bad)
            cases.push({
              label: `shape.${f} = ${v}`,
              args: withShapeField(op, f, v),
              error: 'RangeError',
              message: where(`shape\\.${f} must be an integer in \\[`),
            });
          cases.push({
            label: `shape.${f} is a string`,
            args: withShapeField(op, f, '3'),
            error: 'TypeError',
            message: where(`shape\\.${f} must be a number`),
          });
          cases.push({
            label: `shape.${f} missing`,
            args: withShapeField(op, f, undefined),
            error: 'TypeError',
            message: where(`shape\\.${f} must be a number`),
          });
        }
        break;
      }
      case 'int':
        for (const v of [0, -3, 2.5, NaN, 2 ** 25])
          cases.push({
            label: `${p.name} = ${v}`,
            args: withArg(op, i, v),
            error: 'RangeError',
            message: where(`${p.name} must be an integer in \\[`),
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
            message: where(`${p.name} must be finite`),
          });
        break;
      case 'kind':
        cases.push({
          label: 'kind is a number',
          args: withArg(op, i, 3),
          error: 'TypeError',
          message: where('kind must be a string'),
        });
        cases.push({
          label: 'unknown kind',
          args: withArg(op, i, 'gelu'),
          error: 'RangeError',
          message: where('kind must be one of relu, tanh, sigmoid, scaled-tanh; got "gelu"'),
        });
        break;
      case 'lossOptions': {
        const options = (value: Record<string, unknown>) => withArg(op, i, { labelSmoothing: 0.1, ...value });
        cases.push({
          label: 'options is a number',
          args: withArg(op, i, 1),
          error: 'TypeError',
          message: where('options must be an object'),
        });
        cases.push({
          label: 'labelSmoothing is a string',
          args: options({ labelSmoothing: '0.1' }),
          error: 'TypeError',
          message: where('options\\.labelSmoothing must be a number'),
        });
        for (const v of [-0.1, 1.5, NaN])
          cases.push({
            label: `labelSmoothing = ${v}`,
            args: options({ labelSmoothing: v }),
            error: 'RangeError',
            message: where('options\\.labelSmoothing must be in \\[0, 1\\]'),
          });
        cases.push({
          label: 'classWeights is a Float64Array',
          args: options({ classWeights: new Float64Array(SK) }),
          error: 'TypeError',
          message: where('options\\.classWeights must be a Float32Array'),
        });
        cases.push({
          label: `classWeights has ${SK + 1} values`,
          args: options({ classWeights: new Float32Array(SK + 1) }),
          error: 'RangeError',
          message: where(`options\\.classWeights must have k = ${SK} values`),
        });
        for (const v of [-1, NaN])
          cases.push({
            label: `a class weight of ${v}`,
            args: options({ classWeights: new Float32Array(SK).fill(v) }),
            error: 'RangeError',
            message: where('options\\.classWeights must be finite and >= 0'),
          });
        break;
      }
      case 'adamw': {
        const settings = (value: Record<string, unknown>) => withArg(op, i, { ...ADAMW, ...value });
        cases.push({
          label: 'settings is a number',
          args: withArg(op, i, 1),
          error: 'TypeError',
          message: where('settings must be an object'),
        });
        for (const field of Object.keys(ADAMW)) {
          cases.push({
            label: `settings.${field} missing`,
            args: settings({ [field]: undefined }),
            error: 'TypeError',
            message: where(`settings\\.${field} must be a number`),
          });
          cases.push({
            label: `settings.${field} = Infinity`,
            args: settings({ [field]: Infinity }),
            error: 'RangeError',
            message: where(`settings\\.${field} must be finite`),
          });
        }
        for (const v of [0, 1.5, -2])
          cases.push({
            label: `settings.step = ${v}`,
            args: settings({ step: v }),
            error: 'RangeError',
            message: where('settings\\.step must be an integer >= 1'),
          });
        break;
      }
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
        cases.push({
          label: `${p.name} is a string`,
          args: withArg(op, i, 'x'),
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
        // Element-wise ops take their count from their first buffer, so a wrong length
        // there is reported on the next buffer, which no longer matches it.
        const countSource =
          (name.startsWith('activation') || name === 'sgdUpdate' || name === 'adamwUpdate') &&
          i === op.params.findIndex((q) => q.length);
        for (const len of [p.length! + 1, p.length! - 1, 0])
          cases.push({
            label: `${p.name} has ${len} elements`,
            args: withArg(op, i, new Float32Array(len)),
            error: 'RangeError',
            message: countSource
              ? where(
                  `(${p.name} must not be empty|\\w+ has ${p.length} elements, expected ${p.name}\\.length = ${len})`,
                )
              : where(`${p.name} has ${len} elements, expected [a-zA-Z*.]+ = ${p.length}$`),
          });
        break;
      }
      case 'i32':
        cases.push({
          label: `${p.name} is a Float32Array`,
          args: withArg(op, i, new Float32Array(p.length!)),
          error: 'TypeError',
          message: where(`${p.name} must be an Int32Array`),
        });
        cases.push({
          label: `${p.name} is a Uint32Array`,
          args: withArg(op, i, new Uint32Array(p.length!)),
          error: 'TypeError',
          message: where(`${p.name} must be an Int32Array`),
        });
        cases.push({
          label: `${p.name} has ${p.length! + 1} elements`,
          args: withArg(op, i, new Int32Array(p.length! + 1)),
          error: 'RangeError',
          message: where(`${p.name} has ${p.length! + 1} elements, expected [a-zA-Z*.]+ = ${p.length}$`),
        });
        break;
    }
  });

  // Every output against every other buffer argument: each partially overlaps the other.
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
          `${prefix}(${out.name}|${other.name})( \\(when accumulating\\))? must not share memory with (${other.name}|${out.name})`,
        ),
      });
    });
  });

  cases.push(...specificCases(name, op, prefix));
  return cases;
}

function specificCases(name: string, op: OpSpec, prefix: string): Case[] {
  const where = (m: string) => new RegExp(prefix + m);
  const cases: Case[] = [];
  const shaped = (label: string, fields: Record<string, number>, message: string) =>
    cases.push({
      label,
      error: 'RangeError',
      message: where(message),
      args: () => {
        const a = op.valid();
        Object.assign(a[0] as object, fields);
        return a;
      },
    });
  if (name.startsWith('conv2d')) {
    shaped(
      'kernel taller than the padded input',
      { kh: 8 },
      escape('the output height would be empty: kh = 8 exceeds the padded input h + 2*ph = 5 + 2*1 = 7').source,
    );
    shaped(
      'kernel wider than the padded input',
      { kw: 9, pw: 0 },
      escape('the output width would be empty: kw = 9 exceeds the padded input w + 2*pw = 5 + 2*0 = 5').source,
    );
    // Named after the first buffer, in argument order, whose declared size is too large.
    const buffer = name === 'conv2dBackwardData' ? 'dx' : 'x';
    shaped(
      'tensors too large to index',
      { n: 2 ** 24, c: 2 ** 24 },
      `${buffer} = n\\*c\\*h\\*w would have more than 2147483647 elements`,
    );
  }
  if (name.endsWith('PoolForward') || name.endsWith('PoolBackward')) {
    shaped(
      'window taller than the padded input',
      { kh: 9, ph: 1 },
      'the output height would be empty: kh = 9 exceeds the padded input',
    );
    shaped('padding more than half the window', { ph: 2, kh: 3 }, 'padding must be at most half the window');
  }
  if (name === 'maxPoolBackward')
    for (const v of [-1, 36])
      cases.push({
        label: `argmax value ${v}`,
        error: 'RangeError',
        message: where(`argmax\\[5\\] = ${v} is outside the input plane \\[0, h\\*w = 36\\)`),
        args: () => {
          const a = op.valid();
          (a[2] as Int32Array)[5] = v;
          return a;
        },
      });
  if (name.startsWith('softmaxCrossEntropy'))
    for (const v of [-1, SK])
      cases.push({
        label: `label ${v}`,
        error: 'RangeError',
        message: where(`labels\\[2\\] = ${v} is not a class in \\[0, k = ${SK}\\)`),
        args: () => {
          const a = op.valid();
          (a[3] as Int32Array)[2] = v;
          return a;
        },
      });
  if (name.startsWith('dense'))
    cases.push({
      label: 'sizes too large to index',
      error: 'RangeError',
      message: where(
        `${name === 'denseBackwardData' ? 'dx' : 'x'} = n\\*inFeatures would have more than 2147483647 elements`,
      ),
      args: () => {
        const a = op.valid();
        a[0] = 2 ** 24;
        a[1] = 2 ** 24;
        return a;
      },
    });
  if (name === 'activationBackward')
    cases.push({
      label: 'dx is dy while accumulating',
      error: 'RangeError',
      message: where('dx \\(when accumulating\\) must not share memory with dy'),
      args: () => {
        const a = op.valid();
        a[3] = a[2];
        a[4] = true;
        return a;
      },
    });
  return cases;
}

badArgumentSuite({
  childVariable: 'CNN_BAD_ARGS_OP',
  file: __filename,
  ops: Object.keys(ops),
  casesFor,
  validArgs: (name) => ops[name].valid(),
});
