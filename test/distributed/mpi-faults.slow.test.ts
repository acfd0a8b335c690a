// Failures of data-parallel training, as a user meets them: cnn refuses to run under mpirun
// without --distributed; a rank that hangs or dies ends the run with a message within a bounded
// time; --distributed without the MPI addon says how to get it (this one runs everywhere; the
// others are skipped, with the reason, when mpirun or the MPI addon is absent). A rank is made
// to fail by test/distributed/rank-fault.ts, preloaded into every rank.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runCli, tempDir } from '../cli/run-cli';
import { mpiSkipReason, mpirunCli, mpirunSkipReason, smallMnist } from './mpi-harness';
import { RANK_FAULT_PRELOAD } from './rank-fault';

const skip = mpiSkipReason() ?? false;
const noMpirun = mpirunSkipReason() ?? false;
const data = noMpirun ? '' : smallMnist(1000, 200);
const common = (out: string) => [
  'train',
  'lenet5',
  '--data',
  data,
  '--limit',
  '260',
  '--batch-size',
  '45',
  '--threads',
  '1',
  '--out',
  out,
  '--checkpoint-every',
  '0',
];

test('cnn train under mpirun without --distributed refuses instead of training copies', { skip: noMpirun }, () => {
  const out = path.join(tempDir('cnn-mpi-'), 'x.safetensors');
  const r = mpirunCli(2, [...common(out), '--epochs', '1']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /one of 2 MPI processes \(mpirun\) without --distributed/);
});

test('a rank that hangs makes the others end the run with a message after --collective-timeout', { skip }, () => {
  const out = path.join(tempDir('cnn-mpi-'), 'x.safetensors');
  // Rank 0 waits in a gradient bucket, summed during its backward pass on the MPI addon's thread.
  const r = mpirunCli(2, [...common(out), '--epochs', '1', '--distributed', '--collective-timeout', '3'], {
    preload: RANK_FAULT_PRELOAD,
    env: { CNN_TEST_RANK_FAULT: '1:2:hang' },
  });
  assert.notEqual(r.status, 0);
  assert.match(
    r.stderr,
    /rank 0 of 2: computeGradients: gradient bucket: no answer from rank 1 within 3 s in the collectives of step 3: a rank has died or hung/,
  );
  assert.ok(r.seconds < 30, `took ${r.seconds} s`);
  // Without buckets it waits in the allreduce after the step, on the JS main thread. A new
  // --out: the first run's hung ranks may still be exiting, and their run holds the lock on its own.
  const wholeOut = path.join(tempDir('cnn-mpi-'), 'x.safetensors');
  const whole = mpirunCli(
    2,
    [...common(wholeOut), '--epochs', '1', '--distributed', '--collective-timeout', '3', '--gradient-buckets', '0'],
    {
      preload: RANK_FAULT_PRELOAD,
      env: { CNN_TEST_RANK_FAULT: '1:2:hang' },
    },
  );
  assert.notEqual(whole.status, 0);
  assert.match(
    whole.stderr,
    /rank 0 of 2: allreduce: no answer from rank 1 within 3 s in the gradient allreduce of step 3: a rank has died or hung/,
  );
  assert.ok(whole.seconds < 30, `took ${whole.seconds} s`);
});

test(
  'a rank that hangs while the others wait in a synchronized batch norm ends the run with a message',
  { skip },
  () => {
    const out = path.join(tempDir('cnn-mpi-'), 'x.safetensors');
    const model = path.join(__dirname, '..', '..', '..', 'examples', 'residual-mini.json');
    const r = mpirunCli(
      2,
      [
        'train',
        model,
        '--data',
        data,
        '--limit',
        '260',
        '--batch-size',
        '45',
        '--threads',
        '1',
        '--out',
        out,
        '--checkpoint-every',
        '0',
        '--epochs',
        '1',
        '--distributed',
        '--collective-timeout',
        '3',
      ],
      {
        preload: RANK_FAULT_PRELOAD,
        env: { CNN_TEST_RANK_FAULT: '1:2:hang' },
      },
    );
    assert.notEqual(r.status, 0);
    // Rank 0 is inside step 3's forward, on the network's compute thread, when rank 1 stops answering.
    assert.match(
      r.stderr,
      /rank 0 of 2: computeGradients: synchronized batch norm \(mean\): no answer from rank 1 within 3 s in the collectives of step 3: a rank has died or hung/,
    );
    assert.ok(r.seconds < 30, `took ${r.seconds} s`);
  },
);

test('a rank killed with SIGKILL ends the whole run with a message, not a hang', { skip }, () => {
  const out = path.join(tempDir('cnn-mpi-'), 'x.safetensors');
  const r = mpirunCli(2, [...common(out), '--epochs', '1', '--distributed', '--collective-timeout', '20'], {
    preload: RANK_FAULT_PRELOAD,
    env: { CNN_TEST_RANK_FAULT: '1:2:kill' },
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stdout + r.stderr, /rank 1 .*exited on signal 9/);
  assert.ok(r.seconds < 30, `took ${r.seconds} s`);
});

test('--distributed without the MPI addon says how to get it', () => {
  const out = path.join(tempDir('cnn-mpi-'), 'x.safetensors');
  const r = runCli(['train', 'lenet5', '--distributed', '--epochs', '1', '--limit', '64', '--out', out], {
    env: { CNN_MPI_ADDON: '/nonexistent/cnn_mpi.node' },
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /--distributed needs the MPI addon .*apt-get install openmpi-bin libopenmpi-dev.*npm run build:native/,
  );
});
