#!/usr/bin/env node
// Refreshes the `--help` blocks of docs/cli.md from the CLI itself, so the reference lists
// every command and option the code has. Each block sits between two markers:
//   <!-- help: train -->  ...  <!-- /help -->
// and is replaced by the output of `node bin/cnn train --help` in a code block (`help: cnn`:
// the top-level `node bin/cnn --help`).
//   node scripts/cli-help.js           rewrite docs/cli.md
//   node scripts/cli-help.js --check   exit 1 if docs/cli.md is out of date (nothing written)
// Needs the TypeScript built (npm run build:ts). --threads' default is this machine's core
// count, so it is written as "cores" rather than a number.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DOC = path.join(ROOT, 'docs', 'cli.md');
const BLOCK = /<!-- help: ([a-z ]*?) -->\n[\s\S]*?<!-- \/help -->/g;

function helpOf(command) {
  const words = command === 'cnn' ? [] : command.split(' ');
  const args = [path.join(ROOT, 'bin', 'cnn'), ...words, '--help'];
  const text = execFileSync(process.execPath, args, { encoding: 'utf8' });
  const cores = `(default: ${os.availableParallelism()})`;
  return text
    .split('\n')
    .map((line) => (/^\s*--threads /.test(line) ? line.replace(cores, "(default: the machine's cores)") : line))
    .join('\n');
}

const before = fs.readFileSync(DOC, 'utf8');
const after = before.replace(
  BLOCK,
  (_all, command) => `<!-- help: ${command} -->\n\`\`\`\n${helpOf(command.trim()).trimEnd()}\n\`\`\`\n<!-- /help -->`,
);
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error('docs/cli.md: the --help blocks are out of date; run node scripts/cli-help.js');
    process.exit(1);
  }
} else if (after !== before) {
  fs.writeFileSync(DOC, after);
  console.log('docs/cli.md: --help blocks updated');
} else {
  console.log('docs/cli.md: --help blocks already up to date');
}
