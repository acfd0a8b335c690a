// The collectives that run during a training step (plain C++ over MPI; no N-API), on one
// thread of their own: the buckets of gradients that the network's backward pass hands over
// as soon as they are final (summed in the background while the backward pass goes on) and
// synchronized batch norm's sums (which the network waits for). One thread, taking the
// requests in the order they were made, keeps every rank's sequence of collectives the same
// (the ring allreduce matches messages by order) and means that during a step MPI is called
// from this thread alone; between steps it sleeps and the JS main thread calls MPI
// (MPI_THREAD_SERIALIZED is enough).
// The state lives on the heap and is never destroyed: a process that exits without
// finish_session() (an error, MPI_Abort) must not run destructors under a waiting thread.
#pragma once
#include <cstddef>

#include "distributed/collectives.h"

namespace cnnmpi {

// Queues: data[0:count) *= scale, then ring_allreduce_sum; returns at once. data must stay
// valid until finish_step_sums() returns.
void start_step_sum(float* data, size_t count, float scale, double timeout_seconds);
// Runs ring_allreduce_sum(data, count) after everything queued before it and waits for it.
CollectiveResult step_sum(double* data, size_t count, double timeout_seconds);
// Waits until every queued sum has finished; returns the first failure since the last call
// (later sums of the step are skipped once one failed: the run is ending).
CollectiveResult finish_step_sums();
// Stops the thread (before MPI_Finalize). Safe to call when it never started.
void stop_step_collectives();

}  // namespace cnnmpi
