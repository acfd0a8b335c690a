// Runs a Python script with PyTorch (Debian's python3-torch / python3-torchvision) for the
// tests that compare cnn against it. The script reads JSON on stdin and prints JSON on
// stdout. The interpreter is $CNN_PYTHON, else the first of python3 on the PATH and
// /usr/bin/python3 (Debian's packages live in the system Python, which a pyenv or venv
// python3 on the PATH does not see) that imports the module; tests skip with a reason when
// none does.
import { spawnSync } from 'node:child_process';

const found = new Map<string, { python: string | null; reason: string | null }>();

function pythonFor(module: string): { python: string | null; reason: string | null } {
  if (!found.has(module)) {
    const candidates = process.env.CNN_PYTHON ? [process.env.CNN_PYTHON] : ['python3', '/usr/bin/python3'];
    const python =
      candidates.find((p) => spawnSync(p, ['-c', `import ${module}`], { timeout: 120_000 }).status === 0) ?? null;
    found.set(module, {
      python,
      reason: python ? null : `no Python among ${candidates.join(', ')} imports ${module} (install python3-${module})`,
    });
  }
  return found.get(module)!;
}

/** null when a Python with `module` is available, else the reason a test skips. */
export function pythonModuleMissing(module: string): string | null {
  return pythonFor(module).reason;
}

/** Runs `script` with `input` as JSON on stdin in a Python that has `module`; returns the JSON it prints. */
export function runPython<T>(module: string, script: string, input: unknown, timeoutMs = 120_000): T {
  const { python, reason } = pythonFor(module);
  if (!python) throw new Error(reason!);
  const r = spawnSync(python, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`${python} failed (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
