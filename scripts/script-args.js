// Command-line handling shared by the measuring scripts: --help (or -h) prints the script's
// header comment, which is its usage, and a bad option ends the script with its message and
// exit status 2 rather than a stack trace.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** The leading // comment block of a script file, without the comment markers. */
function usageOf(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const usage = [];
  for (const line of lines.slice(lines[0].startsWith('#!') ? 1 : 0)) {
    if (!line.startsWith('//')) break;
    usage.push(line.replace(/^\/\/ ?/, ''));
  }
  return usage.join('\n');
}

/**
 * parse(argv) for the script `file` (its __filename), with --help answered from the file's
 * header and a thrown parse error reported as a usage error.
 */
function parseScriptArgs(file, argv, parse) {
  const name = path.relative(process.cwd(), file);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usageOf(file) + '\n');
    process.exit(0);
  }
  try {
    return parse(argv);
  } catch (err) {
    process.stderr.write(`${name}: ${err.message} (--help for usage)\n`);
    process.exit(2);
  }
}

module.exports = { parseScriptArgs };
