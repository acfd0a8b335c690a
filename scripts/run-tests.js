#!/usr/bin/env node
// Runs the test suites in two tiers (docs/testing.md):
//   node scripts/run-tests.js          the fast tier: every test/**/*.test.ts except *.slow.test.ts
//   node scripts/run-tests.js --all    every test file, the slow ones included
//   node scripts/run-tests.js --slow   only the slow ones (CI runs npm test, then these)
//   ... --list                         print the tier's files instead of running them
// A test file joins the full tier only by its name ending in .slow.test.ts. The list is taken
// from the TypeScript sources, so compiled files of renamed or deleted tests left in dist/
// are never run. Needs the TypeScript built (npm test and npm run test:all build it first).
// The fast tier prints a dot per test and the failures in full; the full tier names every test.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const all = process.argv.includes('--all');
const slowOnly = process.argv.includes('--slow');

function testSources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return testSources(file);
    return entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

const files = testSources(path.join(ROOT, 'test'))
  .filter((file) => (slowOnly ? file.endsWith('.slow.test.ts') : all || !file.endsWith('.slow.test.ts')))
  .sort()
  .map((file) => path.join(ROOT, 'dist', path.relative(ROOT, file)).replace(/\.ts$/, '.js'));
const missing = files.filter((file) => !fs.existsSync(file));
if (missing.length) {
  console.error(`run-tests: not built: ${missing.map((f) => path.relative(ROOT, f)).join(', ')}; run npm run build:ts`);
  process.exit(2);
}
if (process.argv.includes('--list')) {
  console.log(files.map((f) => path.relative(ROOT, f)).join('\n'));
  process.exit(0);
}
// The tests, and every process they start, get a temp directory of this run's own (TMPDIR):
// whatever is left in it afterwards is named, so a test that leaks files shows, and removed.
const runTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-test-run-'));
const reporter = all || slowOnly ? 'spec' : 'dot';
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', `--test-reporter=${reporter}`, ...files], {
  stdio: 'inherit',
  env: { ...process.env, TMPDIR: runTmp },
});
const left = fs.readdirSync(runTmp);
if (left.length)
  console.error(
    `run-tests: the tests left ${left.length} entries in their temp directory: ${left.slice(0, 10).join(', ')}`,
  );
try {
  fs.rmSync(runTmp, { recursive: true, force: true });
} catch (e) {
  console.error(`run-tests: could not remove ${runTmp}: ${e.message}`);
}
process.exit(r.status ?? 1);
