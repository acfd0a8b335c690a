// The `cnn` command line: one module per command registers its options and action; this
// file wires them together and turns errors into a message and an exit code.
import { Command, CommanderError } from 'commander';
import { registerTrain } from './train';
import { registerEval } from './eval';
import { registerSummary } from './summary';
import { registerBench } from './bench';
import { registerModels } from './models';
import { registerDatasets } from './datasets';
import { registerViz } from './viz';
import { registerPlot } from './plot';
import { registerExport } from './export';
import { registerPredict } from './predict';
import { RunError, UsageError } from './errors';
import { printable } from '../io/safe-name';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('cnn');
  program
    .description('Train convolutional neural networks on the CPU')
    .version(pkg.version)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureHelp({ sortSubcommands: false });
  registerModels(program);
  registerDatasets(program);
  registerSummary(program);
  registerTrain(program);
  registerEval(program);
  registerPredict(program);
  registerExport(program);
  registerBench(program);
  registerViz(program);
  registerPlot(program);
  useCnnErrors(program);
  return program;
}

/** Every command, nested ones too: errors come back to main, and Commander's own messages read "cnn: error: ...". */
function useCnnErrors(cmd: Command): void {
  cmd.exitOverride();
  cmd.configureOutput({ outputError: (text, write) => write(`cnn: ${printable(text.trimEnd(), true)}\n`) });
  for (const sub of cmd.commands) useCnnErrors(sub);
}

/** Commander shows the help with a failing exit code when a command that needs a subcommand got none ("cnn viz"). */
function isMissingCommand(e: CommanderError): boolean {
  return e.code === 'commander.help' && e.exitCode !== 0;
}

export function exitCodeFor(e: unknown): number {
  if (e instanceof CommanderError) {
    if (isMissingCommand(e)) return 2;
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return 2;
  }
  if (e instanceof UsageError) return 2;
  if (e instanceof RunError) return e.exitCode;
  return 1;
}

/**
 * A reader that goes away (`cnn train ... | head`) must not kill a training run: Node turns
 * the closed pipe into an 'error' event that would otherwise be thrown. A terminal that hung
 * up (SIGHUP, then EIO on write) is the same. Later output to that stream is dropped; the run
 * goes on and still writes its checkpoints.
 */
export function ignoreClosedPipes(...streams: NodeJS.WriteStream[]): void {
  for (const stream of streams) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'EIO') throw e;
    });
  }
}

export async function main(argv: string[]): Promise<void> {
  ignoreClosedPipes(process.stdout, process.stderr);
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const code = exitCodeFor(e);
    // Commander has already printed its own message (or the help); ours are printed here.
    // Names in messages come from files and arguments: control characters are shown escaped.
    if (e instanceof CommanderError) {
      if (isMissingCommand(e)) process.stderr.write('cnn: error: give one of the commands listed above\n');
    } else {
      const message = (e as Error).message;
      if (message) {
        const internal = !(e instanceof UsageError || e instanceof RunError);
        process.stderr.write(`cnn: error: ${printable(message, true)}\n`);
        if (internal && process.env.CNN_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
      }
    }
    process.exitCode = code;
  }
}
