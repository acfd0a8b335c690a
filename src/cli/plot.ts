// `cnn plot METRICS.jsonl --out FILE.png|FILE.svg`: loss and accuracy per epoch (train, test,
// and validation when the run held some out) from the log "cnn train --metrics" writes.
import { Command } from 'commander';
import { RunError } from './errors';
import { checkOutFile, writeOrFail } from './viz-output';
import * as fs from 'node:fs';
import { readMetrics, type TrainingCurves } from '../viz/plot-data';
import { renderPlotSvg } from '../viz/plot-svg';
import { renderPlotPng } from '../viz/plot-png';
import { writePng } from '../viz/png';

export function registerPlot(program: Command): void {
  program
    .command('plot')
    .description('draw loss and accuracy curves from a metrics log (cnn train --metrics)')
    .argument('<metrics>', 'a .jsonl file written by "cnn train --metrics FILE"')
    .requiredOption('--out <file>', 'the picture to write: .png or .svg')
    .action((file: string, opts: { out: string }) => {
      const ext = checkOutFile(opts.out, '--out', ['.png', '.svg']);
      let curves: TrainingCurves;
      try {
        curves = readMetrics(file);
      } catch (e) {
        throw new RunError((e as Error).message);
      }
      if (ext === '.svg') {
        const svg = renderPlotSvg(curves);
        writeOrFail(() => {
          try {
            fs.writeFileSync(opts.out, svg);
          } catch (e) {
            throw new Error(`cannot write ${opts.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
          }
        });
      } else {
        const canvas = renderPlotPng(curves);
        writeOrFail(() => writePng(opts.out, canvas));
      }
      const series = [...new Set([...curves.loss, ...curves.accuracy].map((c) => c.name))].join(', ');
      process.stdout.write(`wrote ${curves.epochs.length} epochs (${series}) to ${opts.out}\n`);
    });
}
