// `cnn datasets`: the datasets cnn knows, where each is looked for, and whether it is there;
// `cnn datasets DIR|file.csv`: what an image folder or manifest holds.
import { Command } from 'commander';
import * as parse from './parse-options';
import { RunError } from './errors';
import { listDatasets } from '../data/catalog';
import { DataError } from '../data/errors';
import { DEFAULT_TEST_SPLIT, listImageData } from '../data/image-folder-dataset';
import { formatSurvey, surveyImages } from '../data/image-survey';

export function registerDatasets(program: Command): void {
  program
    .command('datasets')
    .description(
      'list the datasets, where each is looked for and whether it is available; with DIR, what an image folder or CSV manifest holds',
    )
    .argument('[dir]', 'an image folder (one folder per class) or a CSV manifest of path,label lines')
    .option(
      '--test-split <fraction>',
      'with DIR: the fraction of each class a run would hold out for testing',
      parse.testSplit,
      DEFAULT_TEST_SPLIT,
    )
    .option('--json', 'print the list as JSON')
    .action(async (dir: string | undefined, opts: { json?: boolean; testSplit: number }) => {
      if (dir !== undefined) {
        let survey;
        try {
          survey = await surveyImages(listImageData(dir), opts.testSplit);
        } catch (e) {
          if (e instanceof DataError) throw new RunError(e.message);
          throw e;
        }
        process.stdout.write(opts.json ? JSON.stringify(survey, null, 2) + '\n' : formatSurvey(survey));
        return;
      }
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
