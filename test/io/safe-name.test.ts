// Names from files never steer where cnn writes, and never reach a terminal raw.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { printable, safeFileName } from '../../src/io/safe-name';

test('safeFileName keeps plain names and turns paths into one plain name in the working directory', () => {
  assert.equal(safeFileName('lenet5'), 'lenet5');
  assert.equal(safeFileName('resnet-20_v1.2'), 'resnet-20_v1.2');
  assert.equal(safeFileName('../escaped'), 'escaped');
  assert.equal(safeFileName('/abs/x'), 'abs_x');
  assert.equal(safeFileName('..'), 'model');
  assert.equal(safeFileName('.hidden'), 'hidden');
  assert.equal(safeFileName('a\u001b[31mred'), 'a_31mred');
  assert.equal(safeFileName(''), 'model');
  assert.equal(safeFileName('x'.repeat(500)).length, 100);
  for (const name of ['../escaped', '/abs/x', 'a/../../b', '\\..\\win']) {
    assert.match(safeFileName(name), /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/);
  }
});

test('printable escapes control characters', () => {
  assert.equal(printable('a\u001b[2Jb'), 'a\\x1b[2Jb');
  assert.equal(printable('tab\there'), 'tab\\x09here');
  assert.equal(printable('line\nnext'), 'line\\x0anext');
  assert.equal(printable('line\nnext', true), 'line\nnext');
  assert.equal(printable('caf\u00e9 \u009b'), 'caf\u00e9 \\x9b');
});
