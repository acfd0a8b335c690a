// Asserts that two checkpoints hold the same tensors, bit for bit: how the resume tests
// show that an interrupted run ends where an uninterrupted one does.
import * as assert from 'node:assert/strict';
import { readSafetensors } from '../../src/model/checkpoint';

export function sameTensors(a: string, b: string): void {
  const ta = readSafetensors(a).tensors;
  const tb = readSafetensors(b).tensors;
  assert.deepEqual([...ta.keys()].sort(), [...tb.keys()].sort());
  for (const [name, t] of ta) {
    const u = tb.get(name)!;
    assert.ok(
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(
        Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength),
      ),
      `tensor ${name} differs`,
    );
  }
}
