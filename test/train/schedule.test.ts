// Learning-rate schedules: constant, cosine (its endpoints and midpoint), step, linear
// warm-up on top of any schedule (per step, from ~0, never above the schedule), and the
// plateau schedule's state: improvements, patience, division by 10, purity, and a JSON
// round trip through a checkpoint with validation of what comes back.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  DEFAULT_PLATEAU_PATIENCE,
  SCHEDULES,
  endEpoch,
  learningRateAt,
  plateauStateFromJson,
  startPlateau,
  warmupFactor,
  type PlateauState,
  type ScheduleSettings,
} from '../../src/train/schedule';

const base: ScheduleSettings = { schedule: 'constant', lr: 0.1, epochs: 10, stepEvery: 3, warmupEpochs: 0 };
const close = (a: number, b: number, what = '') => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test('the schedules on offer', () => {
  assert.deepEqual(SCHEDULES, ['constant', 'cosine', 'step', 'plateau']);
});

test('constant is the base rate throughout', () => {
  for (const p of [0, 0.5, 3.7, 10, 12]) assert.equal(learningRateAt(base, p), 0.1);
});

test('cosine starts at lr, is half at the midpoint, ends at ~0 and stays there', () => {
  const s: ScheduleSettings = { ...base, schedule: 'cosine' };
  close(learningRateAt(s, 0), 0.1, 'start');
  close(learningRateAt(s, 5), 0.05, 'middle');
  assert.ok(learningRateAt(s, 10) <= 1e-12, 'end');
  assert.ok(learningRateAt(s, 11) <= 1e-12, 'after the end');
  assert.ok(learningRateAt(s, 10) > 0, 'never exactly zero');
  let previous = Infinity;
  for (let p = 0; p <= 10; p += 0.25) {
    const lr = learningRateAt(s, p);
    assert.ok(lr <= previous, `decreasing at ${p}`);
    previous = lr;
  }
});

test('step divides by 10 every stepEvery epochs', () => {
  const s: ScheduleSettings = { ...base, schedule: 'step' };
  close(learningRateAt(s, 0), 0.1);
  close(learningRateAt(s, 2.99), 0.1);
  close(learningRateAt(s, 3), 0.01);
  close(learningRateAt(s, 6.5), 0.001);
});

test('warm-up ramps linearly per step from ~0 to the rate, then leaves the schedule alone', () => {
  const s: ScheduleSettings = { ...base, warmupEpochs: 2 };
  const first = learningRateAt(s, 0);
  assert.ok(first > 0 && first < 0.1 * 1e-3, `first step ${first}`);
  close(learningRateAt(s, 1), (0.1 * (1 + 1e-3)) / 2, 'half way');
  const stepsPerEpoch = 100;
  let previous = 0;
  for (let step = 0; step < 2 * stepsPerEpoch; step++) {
    const lr = learningRateAt(s, step / stepsPerEpoch);
    assert.ok(lr > previous && lr <= 0.1, `step ${step}: ${lr}`);
    previous = lr;
  }
  assert.equal(learningRateAt(s, 2), 0.1);
  assert.equal(learningRateAt(s, 5), 0.1);
});

test('warm-up never exceeds the schedule, even when shorter than its start offset', () => {
  for (const w of [1e-4, 0.01, 1]) {
    for (const p of [0, w / 2, w * 0.999]) assert.ok(warmupFactor(w, p) <= 1, `w ${w} p ${p}`);
  }
  assert.equal(warmupFactor(0, 0), 1);
  const cosine: ScheduleSettings = { ...base, schedule: 'cosine', warmupEpochs: 1 };
  const p = 0.5;
  close(
    learningRateAt(cosine, p),
    learningRateAt({ ...cosine, warmupEpochs: 0 }, p) * (p + 1e-3),
    'warm-up multiplies cosine',
  );
  const plateau: ScheduleSettings = { ...base, schedule: 'plateau', warmupEpochs: 1 };
  close(learningRateAt(plateau, 0.25, startPlateau(plateau)), 0.1 * (0.25 + 1e-3), 'and plateau');
});

test('plateau starts at lr and needs its state', () => {
  const s: ScheduleSettings = { ...base, schedule: 'plateau' };
  const state = startPlateau(s);
  assert.deepEqual(state, { lr: 0.1, best: null, badEpochs: 0 });
  assert.equal(learningRateAt(s, 4.5, state), 0.1);
  assert.throws(() => learningRateAt(s, 0), /plateau schedule needs its state/);
});

test('plateau: improvements reset the count; patience epochs without one divide by 10', () => {
  const s: ScheduleSettings = { ...base, schedule: 'plateau', patience: 2 };
  let state = startPlateau(s);
  const trace: PlateauState[] = [];
  for (const acc of [0.5, 0.6, 0.6, 0.55, 0.7, 0.69, 0.7, 0.71, 0.6, 0.6, 0.6, 0.6]) {
    state = endEpoch(state, acc, s);
    trace.push(state);
  }
  assert.deepEqual(
    trace.map((t) => [t.best, t.badEpochs]),
    [
      [0.5, 0],
      [0.6, 0],
      [0.6, 1],
      [0.6, 0],
      [0.7, 0],
      [0.7, 1],
      [0.7, 0],
      [0.71, 0],
      [0.71, 1],
      [0.71, 0],
      [0.71, 1],
      [0.71, 0],
    ],
  );
  const rates = trace.map((t) => t.lr);
  [0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.0001, 0.0001, 0.00001].forEach((lr, i) =>
    close(rates[i], lr, `epoch ${i + 1}`),
  );
  assert.equal(learningRateAt(s, 12, state), state.lr);
});

test('plateau: equal is not an improvement; the default patience applies; the input is not changed', () => {
  const s: ScheduleSettings = { ...base, schedule: 'plateau' };
  let state = endEpoch(startPlateau(s), 0.9, s);
  const frozen = Object.freeze({ ...state });
  const next = endEpoch(frozen, 0.9, s);
  assert.deepEqual(frozen, { lr: 0.1, best: 0.9, badEpochs: 0 });
  assert.equal(next.badEpochs, 1);
  state = next;
  for (let i = 1; i < DEFAULT_PLATEAU_PATIENCE; i++) state = endEpoch(state, 0.1, s);
  close(state.lr, 0.01);
  assert.equal(state.badEpochs, 0);
  assert.throws(() => endEpoch(state, NaN, s), /finite/);
});

test('plateau state survives a JSON round trip and is checked when read back', () => {
  const s: ScheduleSettings = { ...base, schedule: 'plateau', patience: 1 };
  let state = startPlateau(s);
  assert.deepEqual(plateauStateFromJson(JSON.parse(JSON.stringify(state))), state);
  state = endEpoch(endEpoch(state, 0.4, s), 0.3, s);
  const text = JSON.stringify(state);
  const restored = plateauStateFromJson(text);
  assert.deepEqual(restored, state);
  assert.deepEqual(endEpoch(restored, 0.35, s), endEpoch(state, 0.35, s));
  for (const bad of [
    '{"lr":-1,"best":null,"badEpochs":0}',
    '{"lr":0.1,"best":"x","badEpochs":0}',
    '{"lr":0.1,"best":null,"badEpochs":1.5}',
    '[]',
    'null',
    '{',
  ]) {
    assert.throws(() => plateauStateFromJson(bad), /invalid plateau schedule state/, bad);
  }
});
