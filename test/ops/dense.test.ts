// denseForward / denseBackwardData / denseBackwardWeights against the float64 reference and
// central finite differences of L = sum(y * r), under threads 1 and 2 and every GEMM path.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon } from '../test-addon';
import { Rng } from '../../src/train/rng';
import {
  add,
  assertClose,
  configurations,
  denseBackwardRef,
  denseRef,
  describeConfig,
  dot,
  filled,
  finiteDifference,
  forEachConfig,
  randomF32,
} from './reference';

const native = loadTestAddon();
const configs = configurations(native, true);

const cases: [number, number, number][] = [
  // n, in, out
  [1, 1, 1],
  [3, 7, 5],
  [4, 33, 17],
  [1, 120, 84],
  [64, 300, 10],
];

let seed = 1;
for (const [n, inF, outF] of cases) {
  const caseSeed = seed++;
  test(`dense n=${n} in=${inF} out=${outF}: forward and backward`, () => {
    const rng = new Rng(caseSeed);
    const x = randomF32(rng, n * inF),
      w = randomF32(rng, outF * inF),
      b = randomF32(rng, outF);
    const r = randomF32(rng, n * outF);
    const yRef = denseRef(n, inF, outF, x, w, b),
      yNoBias = denseRef(n, inF, outF, x, w, null);
    // Finite differences where they are cheap; elsewhere the reference adjoint, itself
    // checked against finite differences below.
    const cheap = (x.length + w.length) * n * inF * outF < 2e6;
    const {
      dx: dxRef,
      dw: dwRef,
      db: dbRef,
    } = cheap
      ? {
          dx: finiteDifference((xv) => dot(denseRef(n, inF, outF, xv, w, b), r), x),
          dw: finiteDifference((wv) => dot(denseRef(n, inF, outF, x, wv, b), r), w),
          db: finiteDifference((bv) => dot(denseRef(n, inF, outF, x, w, bv), r), b),
        }
      : denseBackwardRef(n, inF, outF, x, w, r);

    forEachConfig(native, configs, (cfg) => {
      const where = `(${describeConfig(cfg)})`;
      const y = filled(n * outF, NaN);
      native.denseForward(n, inF, outF, x, w, b, y);
      assertClose(y, yRef, `y ${where}`);
      native.denseForward(n, inF, outF, x, w, null, y);
      assertClose(y, yNoBias, `y without bias ${where}`);

      const dx = filled(n * inF, NaN);
      native.denseBackwardData(n, inF, outF, r, w, dx, false);
      assertClose(dx, dxRef, `dx ${where}`);
      const dxBefore = randomF32(rng, n * inF),
        dxAcc = dxBefore.slice();
      native.denseBackwardData(n, inF, outF, r, w, dxAcc, true);
      assertClose(dxAcc, add(dxBefore, dxRef), `dx accumulated ${where}`);

      const dwBefore = randomF32(rng, outF * inF),
        dbBefore = randomF32(rng, outF);
      const dw = dwBefore.slice(),
        db = dbBefore.slice();
      native.denseBackwardWeights(n, inF, outF, x, r, dw, db);
      assertClose(dw, add(dwBefore, dwRef), `dw (+=) ${where}`);
      assertClose(db, add(dbBefore, dbRef), `db (+=) ${where}`);
      const dwOnly = new Float32Array(outF * inF);
      native.denseBackwardWeights(n, inF, outF, x, r, dwOnly, null);
      assertClose(dwOnly, dwRef, `dw without db ${where}`);
    });
  });
}

test('dense: finite differences agree with the reference adjoint', () => {
  const rng = new Rng(77);
  const [n, inF, outF] = [3, 6, 4];
  const x = randomF32(rng, n * inF),
    w = randomF32(rng, outF * inF),
    b = randomF32(rng, outF);
  const r = randomF32(rng, n * outF);
  const adj = denseBackwardRef(n, inF, outF, x, w, r);
  assertClose(
    adj.dx,
    finiteDifference((xv) => dot(denseRef(n, inF, outF, xv, w, b), r), x),
    'dx',
    1e-8,
  );
  assertClose(
    adj.dw,
    finiteDifference((wv) => dot(denseRef(n, inF, outF, x, wv, b), r), w),
    'dw',
    1e-8,
  );
  assertClose(
    adj.db,
    finiteDifference((bv) => dot(denseRef(n, inF, outF, x, w, bv), r), b),
    'db',
    1e-8,
  );
});

test('dense: db is the same bit for bit under 1 and 2 threads', () => {
  const rng = new Rng(42);
  const [n, inF, outF] = [50, 20, 30];
  const x = randomF32(rng, n * inF),
    r = randomF32(rng, n * outF);
  const dbs: Float32Array[] = [];
  forEachConfig(native, configurations(native), () => {
    const dw = new Float32Array(outF * inF),
      db = new Float32Array(outF);
    native.denseBackwardWeights(n, inF, outF, x, r, dw, db);
    dbs.push(db);
  });
  for (const db of dbs) assert.deepEqual(db, dbs[0]);
});
