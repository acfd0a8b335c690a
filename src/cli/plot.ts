// `cnn plot METRICS.jsonl --out FILE.png|FILE.svg`: loss and accuracy per epoch (train, test,
// and validation when the run held some out) from the log "cnn train --metrics" writes.
// Several logs draw several runs in one figure (a colour per run, a line style per series), named
// after their files or by --labels.
import { Command } from 'commander';
import { RunError, UsageError } from './errors';
import { checkOutFile, writeOrFail } from './viz-output';
import { writeFileAtomically } from '../io/atomic-write';
import * as path from 'node:path';
import { readMetrics, combineRuns, type TrainingCurves } from '../viz/plot-data';
import { renderPlotSvg } from '../viz/plot-svg';
import { renderPlotPng } from '../viz/plot-png';
import { writePng } from '../viz/png';

export function registerPlot(program: Command): void {
  program
    .command('plot')
    .description(
      'draw loss and accuracy curves from a metrics log (cnn train --metrics); several logs compare runs in one figure',
    )
    .argument('<metrics...>', 'one or more .jsonl files written by "cnn train --metrics FILE"')
    .requiredOption('--out <file>', 'the picture to write: .png or .svg')
    .option(
      '--labels <list>',
      'with several logs: comma-separated names of the runs for the legend (default: the file names without .jsonl)',
    )
    .action((files: string[], opts: { out: string; labels?: string }) => {
      const ext = checkOutFile(
        opts.out,
        '--out',
        ['.png', '.svg'],
        files.map((f) => ({ option: 'METRICS', path: f })),
      );
      const labels =
        opts.labels === undefined
          ? files.map((f) => path.basename(f).replace(/\.jsonl$/, ''))
          : opts.labels.split(',').map((l) => l.trim());
      if (labels.length !== files.length || labels.some((l) => l === '')) {
        throw new UsageError(
          `--labels "${opts.labels}": give one non-empty name per metrics file (${files.length} file${files.length === 1 ? '' : 's'}), separated by commas`,
        );
      }
      let curves: TrainingCurves;
      try {
        const runs = files.map((file, i) => ({ label: labels[i], curves: readMetrics(file) }));
        curves = runs.length === 1 ? runs[0].curves : combineRuns(runs);
      } catch (e) {
        throw new RunError((e as Error).message);
      }
      if (ext === '.svg') {
        const svg = renderPlotSvg(curves);
        writeOrFail(() => writeFileAtomically(opts.out, svg, { what: 'picture' }));
      } else {
        const canvas = renderPlotPng(curves);
        writeOrFail(() => writePng(opts.out, canvas));
      }
      const series = [...new Set([...curves.loss, ...curves.accuracy].map((c) => c.name))].join(', ');
      const runs = files.length === 1 ? '' : ` of ${files.length} runs (${labels.join(', ')})`;
      process.stdout.write(`wrote ${curves.epochs.length} epochs (${series})${runs} to ${opts.out}\n`);
    });
}
