// The whole-network gradient check: every weight and bias gradient of one computeGradients
// against central finite differences of the evaluation loss (float32, so steps of 1e-3 and a
// relative tolerance), parameters that sit on a kink (ReLU at 0, a max-pool tie) skipped.
import assert from 'node:assert/strict';
import type { NativeAddon } from '../../src/native';
import { build, initParams, randomData, type TinyNet } from './tiny-nets';

export async function assertGradientsMatchFiniteDifferences(addon: NativeAddon, tiny: TinyNet): Promise<void> {
  const n = 4;
  const { net, params, grads } = build(addon, tiny, initParams(tiny, 1), n);
  const { x, labels } = randomData(tiny, n, 2);
  const probs = new Float32Array(n * tiny.classes);
  await net.computeGradients(x, labels, n);
  const analytic = grads.slice();
  await net.computeGradients(x, labels, n); // nothing stale may leak from the first call
  assert.deepEqual(grads, analytic);

  const lossAt = async (k: number, value: number) => {
    params[k] = value;
    return (await net.evaluate(x, labels, n, probs)).loss;
  };
  const centralDifference = async (k: number, h: number) => {
    const p = params[k];
    const up = Math.fround(p + h),
      down = Math.fround(p - h);
    const d = ((await lossAt(k, up)) - (await lossAt(k, down))) / (up - down);
    params[k] = p;
    return d;
  };
  // float32 forward: steps of 1e-3 keep rounding noise near 2e-5 in the estimate.
  const tolerance = (fd: number) => 1e-4 + 0.01 * Math.abs(fd);

  let checked = 0,
    skipped = 0;
  const failures: string[] = [];
  for (const l of tiny.layers) {
    for (const [role, offset, size] of [
      ['weight', l.weightOffset, l.weightSize],
      ['bias', l.biasOffset, l.biasSize],
    ] as const) {
      let errSq = 0,
        refSq = 0;
      for (let k = offset; k < offset + size; k++) {
        if (role === 'weight' && l.weightMask && l.weightMask[k - offset] === 0) {
          assert.ok(Object.is(analytic[k], 0), `masked ${l.name}.weight[${k - offset}] has gradient ${analytic[k]}`);
          continue;
        }
        const fd = await centralDifference(k, 1e-3);
        const fdFine = await centralDifference(k, 5e-4);
        // A kink (ReLU at 0, a max-pool tie) within the step makes the two estimates disagree: skip.
        if (Math.abs(fd - fdFine) > tolerance(fd)) {
          skipped++;
          continue;
        }
        checked++;
        errSq += (fd - analytic[k]) ** 2;
        refSq += fd ** 2;
        if (Math.abs(fd - analytic[k]) > tolerance(fd))
          failures.push(`${l.name}.${role}[${k - offset}]: analytic ${analytic[k]}, numeric ${fd}`);
      }
      // Relative error of the whole tensor: catches a missing term or a wrong scale even
      // where single entries are small.
      if (size > 0)
        assert.ok(Math.sqrt(errSq / refSq) < 1e-2, `${l.name}.${role}: relative error ${Math.sqrt(errSq / refSq)}`);
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(skipped <= checked / 10, `${skipped} of ${checked + skipped} parameters sat on a kink`);
  // Every tensor gets a non-trivial gradient (no layer silently skipped).
  for (const l of tiny.layers) {
    if (l.weightSize === 0) continue;
    const g = analytic.subarray(l.weightOffset, l.weightOffset + l.weightSize);
    assert.ok(
      g.some((v) => Math.abs(v) > 1e-6),
      `${l.name} has an all-zero weight gradient`,
    );
  }
}
