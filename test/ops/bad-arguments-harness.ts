// The child-process harness shared by the bad-argument suites: each op's wrong calls run in
// a child process (the same test file, started with an environment variable naming the op),
// so a crash fails that op's test instead of killing the test runner. After the wrong calls
// the child makes one valid call, proving the addon still works.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { loadTestAddon } from '../test-addon';

export interface BadCall {
  label: string;
  /** Builds the arguments (in the child). */
  args: () => unknown[];
  error: 'TypeError' | 'RangeError';
  message: RegExp;
}

interface Outcome {
  label: string;
  threw: boolean;
  name?: string;
  message?: string;
}

export interface BadArgumentSuite {
  /** The environment variable that puts the file in child mode for one op. */
  childVariable: string;
  /** The test file itself (its __filename). */
  file: string;
  ops: string[];
  casesFor: (op: string) => BadCall[];
  validArgs: (op: string) => unknown[];
}

function runChild(suite: BadArgumentSuite, name: string): void {
  const native = loadTestAddon() as unknown as Record<string, (...args: unknown[]) => unknown>;
  const outcomes: Outcome[] = [];
  for (const c of suite.casesFor(name)) {
    try {
      native[name](...c.args());
      outcomes.push({ label: c.label, threw: false });
    } catch (e) {
      const err = e as Error;
      outcomes.push({ label: c.label, threw: true, name: err.constructor?.name, message: err.message });
    }
  }
  native[name](...suite.validArgs(name));
  process.stdout.write(JSON.stringify(outcomes));
}

/** In the child: runs one op's cases. In the test runner: one test per op. */
export function badArgumentSuite(suite: BadArgumentSuite): void {
  const childOp = process.env[suite.childVariable];
  if (childOp) {
    runChild(suite, childOp);
    return;
  }
  const native = loadTestAddon() as unknown as Record<string, unknown>;
  for (const name of suite.ops) {
    test(`${name} rejects bad arguments with TypeError/RangeError and does not crash`, () => {
      assert.equal(typeof native[name], 'function', `${name} is exported`);
      // The child is a plain script, not a test file: drop the runner's context variable.
      const env: NodeJS.ProcessEnv = { ...process.env, [suite.childVariable]: name };
      delete env.NODE_TEST_CONTEXT;
      const child = spawnSync(process.execPath, [suite.file], { env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(child.signal, null, `child died of ${child.signal}: ${child.stderr}`);
      assert.equal(child.status, 0, `child exited with ${child.status}: ${child.stderr}`);
      const outcomes = JSON.parse(child.stdout) as Outcome[];
      const cases = suite.casesFor(name);
      assert.equal(outcomes.length, cases.length);
      cases.forEach((c, i) => {
        const o = outcomes[i];
        assert.ok(o.threw, `${name}, ${c.label}: did not throw`);
        assert.equal(o.name, c.error, `${name}, ${c.label}: threw ${o.name}: ${o.message}`);
        assert.match(o.message!, c.message, `${name}, ${c.label}`);
      });
    });
  }
}
