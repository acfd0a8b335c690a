// cnn.summary() and cnn.models() return what `cnn summary --json` and `cnn models --json`
// print, and the package resolves as `require('cnn')` and `import * as cnn from 'cnn'`.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as cnn from '../../src/index';
import { ROOT, runCli } from '../cli/run-cli';

test('summary() equals cnn summary --json, with and without options', () => {
  for (const [model, options, flags] of [
    ['vgg16', undefined, []],
    [
      'lenet5',
      { input: [1, 32, 32], classes: 5, batchSize: 8 },
      ['--input', '1,32,32', '--classes', '5', '--batch-size', '8'],
    ],
  ] as const) {
    const r = runCli(['summary', model, '--json', ...flags]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(cnn.summary(model, options), JSON.parse(r.stdout));
  }
});

test('summary() names a wrong model or option', () => {
  assert.throws(() => cnn.summary('vgg17'), /vgg17/);
  assert.throws(() => cnn.summary('lenet5', { classes: 0 }), {
    name: 'RangeError',
    message: /cnn\.summary\(\): option "classes" is invalid \(0\)/,
  });
  assert.throws(() => cnn.summary('lenet5', { json: true } as object), {
    name: 'TypeError',
    message: /unknown option "json"; the options are: input, classes, batchSize/,
  });
  assert.throws(() => cnn.summary(16 as unknown as string), {
    name: 'TypeError',
    message: /model must be a model name/,
  });
});

test('models() equals cnn models --json', () => {
  const r = runCli(['models', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(cnn.models(), JSON.parse(r.stdout));
});

test('the package name resolves for require and for import, with the same functions', () => {
  const script = (body: string, type: string) =>
    spawnSync(process.execPath, ['--input-type', type, '-e', body], { cwd: ROOT, encoding: 'utf8' });
  const names = ['loadModel', 'models', 'summary', 'train'];
  const cjs = script(`const cnn = require('cnn'); console.log(JSON.stringify(Object.keys(cnn).sort()))`, 'commonjs');
  assert.equal(cjs.status, 0, cjs.stderr);
  for (const name of names) assert.ok((JSON.parse(cjs.stdout) as string[]).includes(name), `require('cnn').${name}`);
  const esm = script(
    `import * as cnn from 'cnn'; console.log(JSON.stringify([typeof cnn.loadModel, typeof cnn.train, cnn.summary('lenet5').model]))`,
    'module',
  );
  assert.equal(esm.status, 0, esm.stderr);
  assert.deepEqual(JSON.parse(esm.stdout), ['function', 'function', 'lenet5']);
});
