// `cnn models`: every built-in model with its one-line description and training defaults.
import { Command } from 'commander';
import { listModels } from '../model/zoo';
import { planModel } from '../model/plan';
import type { Shape, TrainDefaults } from '../model/types';

export function registerModels(program: Command): void {
  program
    .command('models')
    .description('list the built-in models')
    .option('--json', 'print the list as JSON')
    .action((opts: { json?: boolean }) => {
      const rows = modelList();
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      const width = Math.max(...rows.map((r) => r.name.length));
      for (const r of rows) {
        process.stdout.write(`${r.name.padEnd(width)}  ${r.description}\n`);
        const d = r.defaults;
        const defaults = Object.entries(d)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        process.stdout.write(
          `${''.padEnd(width)}  input ${r.input.join('x')}, ${r.classes} classes, ${r.params.toLocaleString('en-US')} parameters${defaults ? `; defaults: ${defaults}` : ''}\n`,
        );
      }
    });
}

export interface ModelInfo {
  name: string;
  description: string;
  input: Shape;
  classes: number;
  params: number;
  /** The training settings the model was tuned with (epochs, batchSize, lr ...). */
  defaults: Partial<TrainDefaults>;
}

/** The built-in models, as `cnn models --json` prints them. */
export function modelList(): ModelInfo[] {
  return listModels().map((m) => {
    const plan = planModel(m);
    return {
      name: m.name,
      description: m.description,
      input: m.input,
      classes: m.classes,
      params: plan.totals.params,
      defaults: m.defaults ?? {},
    };
  });
}
