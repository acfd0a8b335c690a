// The package as a user gets it: `npm pack` the project, install the tarball into an empty
// project (npm builds the native addon there with cmake-js), then use it from CommonJS, from an
// ES module, from TypeScript and as the `cnn` command. Part of the full test tier: the install
// compiles the addon from scratch, which takes minutes on a small machine (hence .slow.test.ts).
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, tempDir } from '../cli/run-cli';
import { writeTinyDataset, writeTinyModel } from '../cli/tiny-dataset';

const work = tempDir('cnn-pack-');
const project = path.join(work, 'app');
const data = path.join(work, 'data');
let tarball = '';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command: string, args: string[], cwd: string, timeoutMs = 120000): SpawnSyncReturns<string> {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} failed (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

before(() => {
  fs.mkdirSync(project);
  fs.mkdirSync(data);
  writeTinyDataset(data, { train: 200, test: 40 });
  writeTinyModel(data, 'tiny', 4);
  const packed = JSON.parse(ok(run(npm, ['pack', '--json', '--pack-destination', work], ROOT, 600000), 'npm pack')) as {
    filename: string;
  }[];
  tarball = path.join(work, packed[0].filename);
  // npm 11 warns about dependencies whose install scripts the project has not approved (a
  // later npm skips them): the project approves cnn's (it builds the addon; a tarball is named
  // by its file: spec, a registry package by its name), sharp's and protobufjs' (under
  // onnx-proto), as `npm install-scripts approve` writes them, and --strict-allow-scripts
  // makes any script not approved fail the install instead of passing with a warning.
  const allowScripts = { [`file:${tarball}`]: true, sharp: true, protobufjs: true };
  fs.writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', private: true, allowScripts }),
  );
  ok(
    run(
      npm,
      ['install', tarball, '--no-audit', '--no-fund', '--strict-allow-scripts', '--foreground-scripts'],
      project,
      1200000,
    ),
    'npm install of the tarball',
  );
});

test('the tarball holds the compiled library, its types, the launcher and the native sources, not the tests', () => {
  const files = ok(run('tar', ['tzf', tarball], work), 'tar')
    .split('\n')
    .map((f) => f.replace(/^package\//, ''));
  for (const f of [
    'package.json',
    'bin/cnn',
    'dist/src/index.js',
    'dist/src/index.d.ts',
    'dist/src/cli/program.js',
    'CMakeLists.txt',
    'binding.gyp',
    'docs/api.md',
  ]) {
    assert.ok(files.includes(f), `${f} missing from the tarball`);
  }
  assert.ok(
    files.some((f) => f.startsWith('native/net/')),
    'native sources missing',
  );
  for (const f of files) assert.ok(!/^(test|dist\/test|build|src)\//.test(f), `${f} should not be in the tarball`);
});

test('the install built the addon, and the cnn command runs', () => {
  const installed = path.join(project, 'node_modules', 'cnn');
  assert.ok(fs.existsSync(path.join(installed, 'build', 'Release', 'cnn.node')), 'the install did not build cnn.node');
  const version = ok(run(path.join(project, 'node_modules', '.bin', 'cnn'), ['--version'], project), 'cnn --version');
  assert.equal(version.trim(), '0.1.0');
});

test('require("cnn"): train with epoch events, load the checkpoint, predict raw pixels', () => {
  const script = path.join(project, 'try.cjs');
  fs.writeFileSync(
    script,
    `
const cnn = require('cnn');
(async () => {
  const run = cnn.train({ model: ${JSON.stringify(path.join(data, 'tiny.json'))}, data: ${JSON.stringify(data)}, epochs: 2, batchSize: 20, threads: 1, out: 'tiny.safetensors' });
  const epochs = [];
  run.on('epoch', (m) => epochs.push(m.epoch));
  const result = await run.done;
  const model = await cnn.loadModel('tiny.safetensors');
  const top = await model.predict({ data: new Uint8Array(28 * 28).fill(40), width: 28, height: 28, channels: 1 }, { top: 2 });
  console.log(JSON.stringify({ status: result.status, epochs, classes: model.classNames.length, top, params: cnn.summary('lenet5').totals.params }));
})().catch((e) => { console.error(e); process.exit(1); });
`,
  );
  const out = JSON.parse(ok(run(process.execPath, [script], project), 'the CommonJS script')) as Record<
    string,
    unknown
  >;
  assert.equal(out.status, 'done');
  assert.deepEqual(out.epochs, [1, 2]);
  assert.equal(out.classes, 10);
  assert.equal((out.top as unknown[]).length, 2);
  assert.equal(out.params, 61706);
});

test('import * as cnn from "cnn" in an ES module, and the TypeScript declarations check', () => {
  const mjs = path.join(project, 'try.mjs');
  fs.writeFileSync(
    mjs,
    `
import * as cnn from 'cnn';
const model = await cnn.loadModel('tiny.safetensors');
const [first] = await model.predict([{ data: new Uint8Array(28 * 28), width: 28, height: 28, channels: 1 }]);
console.log(JSON.stringify({ names: ['loadModel', 'train', 'summary', 'models'].map((n) => typeof cnn[n]), top: first.length, models: cnn.models().length > 0 }));
`,
  );
  const out = JSON.parse(ok(run(process.execPath, [mjs], project), 'the ES module script')) as Record<string, unknown>;
  assert.deepEqual(out, { names: ['function', 'function', 'function', 'function'], top: 3, models: true });

  const ts = path.join(project, 'try.ts');
  fs.writeFileSync(
    ts,
    `
import * as cnn from 'cnn';
export async function main(): Promise<cnn.TopClass[]> {
  const run: cnn.TrainingRun = cnn.train({ model: 'lenet5', epochs: 1, batchSize: 32 });
  run.on('epoch', (m: cnn.EpochMetrics) => m.testAccuracy);
  const result: cnn.TrainResult = await run.done;
  const model: cnn.Model = await cnn.loadModel(result.out, { threads: 1 });
  const shape: [number, number, number] = model.inputShape;
  return model.predict({ data: new Uint8Array(shape[1] * shape[2]), width: shape[2], height: shape[1], channels: 1 }, { top: 1 });
}
`,
  );
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  ok(
    run(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--skipLibCheck',
        'false',
        '--typeRoots',
        path.join(ROOT, 'node_modules', '@types'),
        '--types',
        'node',
        ts,
      ],
      project,
    ),
    'tsc on a TypeScript user of the package',
  );
});
