// CPU time per lenet5 training step (batch 64, 1 thread) with and without conv1,conv2 frozen:
// what skipping the backward of a frozen prefix saves. CPU time, not wall time, so a busy
// machine disturbs it less. Run after npm run build: node scripts/freeze-speed.js
const { planModel } = require('../dist/src/model/plan');
const { resolveModel } = require('../dist/src/cli/resolve');
const { createRuntime } = require('../dist/src/train/runtime');
const { initParams } = require('../dist/src/model/init');
const { Rng } = require('../dist/src/train/rng');
async function run(frozen) {
  const plan = planModel(resolveModel('lenet5'));
  const rt = createRuntime(plan, { maxBatch: 64, threads: 1, frozen: new Set(frozen) });
  initParams(plan, rt.params, new Rng(1));
  const x = new Float32Array(64 * 784).map(() => Math.random());
  const y = new Int32Array(64).map((_, i) => i % 10);
  const sgd = { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 };
  for (let i = 0; i < 20; i++) await rt.net.trainStep(x, y, 64, sgd);
  const c0 = process.cpuUsage();
  for (let i = 0; i < 300; i++) await rt.net.trainStep(x, y, 64, sgd);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / 300;
}
(async () => {
  const r = { none: [], frozen: [] };
  for (let k = 0; k < 3; k++) {
    r.none.push(await run([]));
    r.frozen.push(await run(['conv1', 'conv2']));
  }
  const med = (a) => a.sort((p, q) => p - q)[1];
  console.log(
    'CPU ms per step (batch 64, 1 thread), runs:',
    JSON.stringify(r),
    'medians',
    med(r.none).toFixed(2),
    med(r.frozen).toFixed(2),
  );
})();
