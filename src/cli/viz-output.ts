// Shared by the picture-writing commands (viz, plot, eval --misclassified): checking the
// --out file before any work is done, and the misclassified grid of `cnn eval`.
import * as path from 'node:path';
import { UsageError, RunError } from './errors';
import { checkOutputPlan, type PlannedInput } from './output-plan';
import type { ImageSet } from '../data/dataset';
import type { EvalResult } from '../train/evaluate';
import { renderMisclassified, selectMistakes, DEFAULT_MAX_MISTAKES } from '../viz/misclassified';
import { writePng } from '../viz/png';

/**
 * The extension of `file` if it is one of `allowed` (lower case, with the dot); else a usage
 * error naming the option. The file must also pass the output plan against the command's inputs.
 */
export function checkOutFile(file: string, option: string, allowed: string[], inputs: PlannedInput[] = []): string {
  const ext = path.extname(file).toLowerCase();
  if (!allowed.includes(ext)) {
    throw new UsageError(`${option} ${file}: the file name must end in ${allowed.join(' or ')} (the picture's format)`);
  }
  checkOutputPlan([{ option, file }], inputs);
  return ext;
}

export function writeOrFail(write: () => void): void {
  try {
    write();
  } catch (e) {
    throw new RunError((e as Error).message);
  }
}

/** Draws the mistakes of an evaluation (kept predictions) into `file`; returns a line for the user. */
export function writeMisclassified(
  file: string,
  test: ImageSet,
  result: EvalResult,
  classNames: string[],
  top?: number,
): string {
  const p = result.predictions;
  if (!p) throw new Error('writeMisclassified: the evaluation kept no predictions');
  const all = selectMistakes(p);
  if (all.length === 0) return `no misclassified images: ${file} not written\n`;
  let shown = selectMistakes(p, top);
  let note = '';
  if (top === undefined && shown.length > DEFAULT_MAX_MISTAKES) {
    shown = shown.slice(0, DEFAULT_MAX_MISTAKES);
    note = ` (the first ${DEFAULT_MAX_MISTAKES}; --top N draws the N most confident)`;
  }
  const canvas = renderMisclassified(test, shown, classNames);
  writeOrFail(() => writePng(file, canvas));
  const which = top === undefined ? '' : ' most confident';
  return `wrote ${shown.length}${which} of ${all.length} misclassified images${note} to ${file} (${canvas.width}x${canvas.height}; under each: true>predicted, probability)\n`;
}
