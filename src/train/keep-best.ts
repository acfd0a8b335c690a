// --keep best: the checkpoint --out holds at the end is the epoch with the best validation
// accuracy. While training, --out always holds the latest state (so an interrupted or killed
// run resumes exactly from it) and every new best epoch is also written to a file beside it;
// when the run ends, that file replaces --out in one rename.
import * as fs from 'node:fs';

export const KEEP_CHOICES = ['best', 'last'] as const;
export type KeepChoice = (typeof KEEP_CHOICES)[number];

/** model.safetensors -> model.best.safetensors (any other name gets ".best" appended). */
export function bestCheckpointPath(out: string): string {
  return out.endsWith('.safetensors') ? `${out.slice(0, -'.safetensors'.length)}.best.safetensors` : `${out}.best`;
}

/** Moves the best epoch's checkpoint over `out`; false if it is not there (nothing changes). */
export function promoteBestCheckpoint(out: string): boolean {
  const best = bestCheckpointPath(out);
  if (!fs.existsSync(best)) return false;
  fs.renameSync(best, out);
  return true;
}
