// `cnn datasets`: the datasets cnn knows, where each is looked for, and whether it is there.
import { Command } from 'commander';
import { listDatasets } from '../data/catalog';

export function registerDatasets(program: Command): void {
  program
    .command('datasets')
    .description('list the datasets, where each is looked for and whether it is available')
    .option('--json', 'print the list as JSON')
    .action((opts: { json?: boolean }) => {
      const rows = listDatasets();
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      const width = Math.max(...rows.map((r) => r.name.length));
      for (const r of rows) {
        process.stdout.write(`${r.name.padEnd(width)}  ${r.available ? 'available' : 'not found'}  ${r.description}\n`);
        process.stdout.write(`${''.padEnd(width)}  ${r.detail}\n`);
      }
    });
}
