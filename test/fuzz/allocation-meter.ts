// Counts the bytes JavaScript code allocates while a reader runs: Buffer.alloc*, the typed
// array and ArrayBuffer constructors called with a length, fs.readFileSync and
// zlib.gunzipSync results. Must be installed before the readers are loaded, so that the
// names they look up are already the counting ones. Used only in the fuzz runner's process.
// The modules themselves (not import-star copies), so that the readers see the patches.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- TypeScript's import-require form
import fs = require('fs');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
import zlib = require('zlib');

let counted = 0;
let largest = 0;

function count(bytes: number): void {
  if (!(bytes > 0)) return;
  counted += bytes;
  largest = Math.max(largest, bytes);
}

export function resetAllocations(): void {
  counted = 0;
  largest = 0;
}

export function allocations(): { total: number; largest: number } {
  return { total: counted, largest };
}

type Ctor = { new (...args: unknown[]): unknown; BYTES_PER_ELEMENT?: number };

function meterConstructor(name: string): void {
  const g = globalThis as unknown as Record<string, Ctor>;
  const original = g[name];
  const perElement = original.BYTES_PER_ELEMENT ?? 1;
  g[name] = new Proxy(original, {
    construct(target, args, newTarget) {
      if (typeof args[0] === 'number') count(args[0] * perElement);
      return Reflect.construct(target, args, newTarget === g[name] ? target : newTarget);
    },
  });
}

export function installAllocationMeter(): void {
  for (const name of [
    'ArrayBuffer',
    'Uint8Array',
    'Int8Array',
    'Uint16Array',
    'Int16Array',
    'Uint32Array',
    'Int32Array',
    'Float32Array',
    'Float64Array',
    'BigInt64Array',
    'BigUint64Array',
  ]) {
    meterConstructor(name);
  }
  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const original = Buffer[name] as (size: number, ...rest: unknown[]) => Buffer;
    (Buffer as unknown as Record<string, unknown>)[name] = (size: number, ...rest: unknown[]) => {
      count(size);
      return original.call(Buffer, size, ...rest);
    };
  }
  const readFileSync = fs.readFileSync;
  (fs as unknown as Record<string, unknown>).readFileSync = (...args: unknown[]) => {
    const result = (readFileSync as (...a: unknown[]) => Buffer | string)(...args);
    count(result.length);
    return result;
  };
  const gunzipSync = zlib.gunzipSync;
  (zlib as unknown as Record<string, unknown>).gunzipSync = (...args: unknown[]) => {
    const result = (gunzipSync as (...a: unknown[]) => Buffer)(...args);
    count(result.length);
    return result;
  };
}
