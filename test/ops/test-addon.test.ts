// The split between the two addons: cnn.node exports only the network, the per-op functions
// live in cnn_test.node, which is found beside cnn.node (or where CNN_TEST_ADDON says).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { addonPath, loadNative } from '../../src/native';
import { loadTestAddon, testAddonPath } from '../test-addon';

/** Runs body with the given environment variables set (undefined: unset), then restores them. */
function withEnv(vars: Record<string, string | undefined>, body: () => void): void {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, value] of Object.entries(v)) {
      if (value === undefined) delete process.env[k];
      else process.env[k] = value;
    }
  };
  apply(vars);
  try {
    body();
  } finally {
    apply(before);
  }
}

test('the product addon exports the network, the kernel paths and no per-op functions', () => {
  const addon = loadNative();
  assert.deepEqual(Object.keys(addon).sort(), ['Network', 'kernelPaths']);
  const paths = addon.kernelPaths();
  assert.ok(['avx512', 'avx2', 'portable'].includes(paths.gemm), paths.gemm);
  assert.ok(['amx', 'avx512bf16', 'portable'].includes(paths.gemmBf16), paths.gemmBf16);
});

test('the test addon is looked for beside the product addon unless CNN_TEST_ADDON names it', () => {
  withEnv({ CNN_TEST_ADDON: undefined, CNN_ADDON: '/somewhere/build-gyp/Release/cnn.node' }, () => {
    assert.equal(testAddonPath(), '/somewhere/build-gyp/Release/cnn_test.node');
  });
  withEnv({ CNN_TEST_ADDON: undefined, CNN_ADDON: undefined }, () => {
    assert.equal(testAddonPath(), path.join(path.dirname(addonPath()), 'cnn_test.node'));
  });
  withEnv({ CNN_TEST_ADDON: 'elsewhere/cnn_test.node', CNN_ADDON: '/somewhere/cnn.node' }, () => {
    assert.equal(testAddonPath(), path.resolve('elsewhere/cnn_test.node'));
  });
});

test('a missing test addon is reported with how to build it', () => {
  withEnv({ CNN_TEST_ADDON: '/nonexistent/cnn_test.node' }, () => {
    assert.throws(
      () => loadTestAddon(),
      /test addon is not built \(looked for \/nonexistent\/cnn_test\.node\)\. Run "npm run build:native"/,
    );
  });
});

test('the test addon exports the per-op functions and keeps a thread count of its own', () => {
  const ops = loadTestAddon();
  for (const name of ['conv2dForward', 'gemm', 'batchNormForward', 'sgdUpdate', 'setThreads', 'fmaPeak'])
    assert.equal(typeof (ops as unknown as Record<string, unknown>)[name], 'function', name);
  const before = ops.getThreads();
  ops.setThreads(before === 1 ? 2 : 1);
  assert.notEqual(ops.getThreads(), before);
  ops.setThreads(before);
  assert.equal(ops.getThreads(), before);
});
