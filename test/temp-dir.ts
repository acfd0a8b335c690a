// Temporary directories for tests: made under the system's temp directory with a prefix that
// names the test, and all removed when the test file's process exits, passed or failed
// (node --test runs each file in a process of its own). CNN_KEEP_TEST_DIRS=1 keeps them, to
// look at what a failing test left.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];

// At exit a directory that cannot go (a mount left inside it) is named, not thrown about.
function removeMade(): void {
  if (process.env.CNN_KEEP_TEST_DIRS === '1') return;
  for (const dir of made.splice(0))
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      process.stderr.write(`temp-dir: could not remove ${dir}: ${(e as Error).message}\n`);
    }
}

export function tempDir(prefix = 'cnn-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (made.length === 0) process.once('exit', removeMade);
  made.push(dir);
  return dir;
}
