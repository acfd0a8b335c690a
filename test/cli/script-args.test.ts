// The measuring scripts' command lines (scripts/script-args.js): --help prints the script's
// header comment, and a bad option is a one-line usage error with exit status 2, not a stack
// trace. Neither starts a measurement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './run-cli';

const SCRIPTS = ['conv-bench.js', 'gemm-bench.js', 'contention.js', 'image-folder-compare.js'];

function runScript(script: string, args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, 'scripts', script), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30000,
  });
}

for (const script of SCRIPTS) {
  test(`${script} --help prints its header comment`, () => {
    const header = fs
      .readFileSync(path.join(ROOT, 'scripts', script), 'utf8')
      .split('\n')[1]
      .replace(/^\/\/ /, '');
    const r = runScript(script, ['--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], header);
    assert.doesNotMatch(r.stdout, /^\/\//m, 'comment markers are stripped');
  });

  test(`${script} names an unknown option and exits 2`, () => {
    const r = runScript(script, ['--no-such-option', '1']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `scripts/${script}: unknown option --no-such-option (--help for usage)\n`);
    assert.equal(r.stdout, '');
  });
}

test('an option without its value is a usage error', () => {
  const r = runScript('gemm-bench.js', ['--threads']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^scripts\/gemm-bench\.js: --threads needs a value \(--help for usage\)\n$/);
});
