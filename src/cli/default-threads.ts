// --threads when the user leaves it out: the CPUs this process may use, less those that other
// processes keep busy (src/train/cpu-budget.ts). Sampled at the start of a command that
// computes for a while (train, eval, bench), not when the options are declared.
import { chooseDefaultThreads, describeThreadChoice } from '../train/cpu-budget';

/** Replaces opts.threads by the machine's choice unless --threads was given; returns a log line or null. */
export async function applyDefaultThreads(threadsGiven: boolean, opts: { threads: number }): Promise<string | null> {
  if (threadsGiven) return null;
  const choice = await chooseDefaultThreads();
  opts.threads = choice.threads;
  return describeThreadChoice(choice);
}
