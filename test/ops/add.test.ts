// addForward / addBackward: out = a + b exactly; backward writes or adds dout into each input's
// gradient independently (either may be null); threads 1 and 2, with a size large enough for
// the parallel path.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadTestAddon } from '../test-addon';
import { Rng } from '../../src/train/rng';
import { add, assertClose, configurations, describeConfig, filled, forEachConfig, randomF32 } from './reference';

const native = loadTestAddon();
const configs = configurations(native);

for (const count of [1, 17, 100_000]) {
  test(`add count=${count}: forward and backward with every accumulate combination`, () => {
    const rng = new Rng(count);
    const a = randomF32(rng, count),
      b = randomF32(rng, count),
      dout = randomF32(rng, count);
    const expected = Float32Array.from(a, (v, i) => v + b[i]); // one float32 rounding, as the kernel
    forEachConfig(native, configs, (cfg) => {
      const where = `count=${count} (${describeConfig(cfg)})`;
      const out = filled(count, NaN);
      native.addForward(a, b, out);
      assert.deepEqual(out, expected, `${where}: out`);
      for (const accA of [false, true])
        for (const accB of [false, true]) {
          const da0 = randomF32(rng, count),
            db0 = randomF32(rng, count);
          const da = da0.slice(),
            db = db0.slice();
          native.addBackward(dout, da, accA, db, accB);
          assertClose(da, accA ? add(da0, dout) : dout, `${where}: da accumulate=${accA}`, 1e-6);
          assertClose(db, accB ? add(db0, dout) : dout, `${where}: db accumulate=${accB}`, 1e-6);
        }
      const db = filled(count, NaN);
      native.addBackward(dout, null, false, db, false);
      assert.deepEqual(db, dout, `${where}: db with da null`);
      const da = filled(count, NaN);
      native.addBackward(dout, da, false, null, true);
      assert.deepEqual(da, dout, `${where}: da with db null`);
    });
  });
}
