// Failures for the distributed tests, preloaded into cnn (node -r, mpirunCli's `preload`):
// CNN_TEST_RANK_FAULT=rank:step:mode makes that rank, when it reaches that step (0-based count
// of its steps), hang forever ('hang': it stops taking part in collectives, as a wedged
// process or a lost network link does), exit with status 3 ('exit') or kill itself with
// SIGKILL ('kill'). It hooks in through the trainer's public onStepStart.
import { onStepStart } from '../../src/distributed/data-parallel';

export interface RankFault {
  rank: number;
  step: number;
  mode: 'hang' | 'exit' | 'kill';
}

export const RANK_FAULT_PRELOAD = __filename;

export function parseRankFault(text: string | undefined): RankFault | null {
  if (!text) return null;
  const m = /^(\d+):(\d+):(hang|exit|kill)$/.exec(text.trim());
  if (!m) throw new Error(`CNN_TEST_RANK_FAULT must look like rank:step:hang|exit|kill, got "${text}"`);
  return { rank: Number(m[1]), step: Number(m[2]), mode: m[3] as RankFault['mode'] };
}

function triggerFault(fault: RankFault): void {
  const what = { hang: 'hangs', exit: 'exits with status 3', kill: 'kills itself (SIGKILL)' }[fault.mode];
  process.stderr.write(`test fault (CNN_TEST_RANK_FAULT): rank ${fault.rank} ${what} at step ${fault.step}\n`);
  if (fault.mode === 'exit') process.exit(3);
  if (fault.mode === 'kill') process.kill(process.pid, 'SIGKILL');
  // Block the main thread for good: no more MPI calls from this rank.
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

const fault = parseRankFault(process.env.CNN_TEST_RANK_FAULT);
if (fault) {
  onStepStart((rank, step) => {
    if (rank === fault.rank && step >= fault.step) triggerFault(fault);
  });
}
