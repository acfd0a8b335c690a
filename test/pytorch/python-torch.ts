// Runs a Python script with PyTorch (Debian's python3-torch / python3-torchvision) for the
// tests that compare cnn against it. The script reads JSON on stdin and prints JSON on
// stdout; tests skip with a reason when python3 or the module is not installed.
import { spawnSync } from 'node:child_process';

const availability = new Map<string, string | null>();

/** null when `python3 -c "import <module>"` works, else the reason a test skips. */
export function pythonModuleMissing(module: string): string | null {
  if (!availability.has(module)) {
    const r = spawnSync('python3', ['-c', `import ${module}`], { encoding: 'utf8', timeout: 120_000 });
    availability.set(module, r.status === 0 ? null : `python3 cannot import ${module} (install python3-${module})`);
  }
  return availability.get(module)!;
}

/** Runs `script` with `input` as JSON on stdin; returns the JSON it prints. Throws with its stderr on failure. */
export function runPython<T>(script: string, input: unknown, timeoutMs = 120_000): T {
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python3 failed (status ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
