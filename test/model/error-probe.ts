// Shared by the network error child scripts: records whether each bad call threw the
// expected error class with a message matching a pattern, and prints the results as JSON
// for the parent test to check. Running in a child keeps a crash out of the test runner.
import { loadNative, type NativeLayerDesc, type NetworkOptions } from '../../src/native';

type ErrorName = 'TypeError' | 'RangeError' | 'Error';
// Loosely typed views, so a case can delete required fields.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = Record<string, any>;
export type Edit = (o: Loose, layers: Loose[]) => void;

export function errorProbe(good: () => NetworkOptions) {
  const addon = loadNative();
  const results: { label: string; ok: boolean; got: string }[] = [];

  function expectThrow(label: string, type: ErrorName, pattern: RegExp, fn: () => unknown): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch(() => undefined);
      results.push({ label, ok: false, got: 'no error' });
    } catch (e) {
      const err = e as Error;
      const ok = err.constructor.name === type && pattern.test(err.message);
      results.push({ label, ok, got: `${err.constructor.name}: ${err.message}` });
    }
  }

  /** The constructor with the good options edited by one bad change. */
  function ctor(label: string, type: 'TypeError' | 'RangeError', pattern: RegExp, edit: Edit): void {
    const o: Loose = { ...good() };
    o.layers = (o.layers as NativeLayerDesc[]).map((l) => ({ ...l, lrn: l.lrn ? { ...l.lrn } : undefined }));
    edit(o, o.layers);
    expectThrow(`new Network: ${label}`, type, pattern, () => new addon.Network(o as NetworkOptions));
  }

  function print(): void {
    process.stdout.write(JSON.stringify(results, null, 1));
  }

  return { addon, expectThrow, ctor, print };
}
