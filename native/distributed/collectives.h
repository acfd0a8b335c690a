// Collectives with a deadline (plain C++ over MPI; no N-API). Every call is nonblocking MPI
// polled until it completes or the deadline passes, so a rank that died or hung makes the
// others fail with a message instead of waiting forever; the caller then aborts the job.
//
// The sum is a ring allreduce written out with point-to-point messages rather than
// MPI_Allreduce, for two properties MPI does not promise: every rank ends with bitwise the
// same result (each chunk is summed once, by one rank, then copied around the ring), and the
// order of the additions is fixed (chunk c is summed as ((x_c + x_c+1) + x_c+2) + ... in ring
// order from rank c), whatever the timing. Its cost is the bandwidth-optimal
// 2 (p - 1) / p * bytes per rank, in 2 (p - 1) message rounds.
#pragma once
#include <cstddef>
#include <string>

namespace cnnmpi {

enum class CollectiveStatus { Ok, TimedOut, Failed };

struct CollectiveResult {
  CollectiveStatus status = CollectiveStatus::Ok;
  int peer = -1;     // TimedOut: the rank this one was waiting on
  std::string what;  // Failed: MPI's error string
};

// data (count) += the same array of every other rank, in place, on every rank.
CollectiveResult ring_allreduce_sum(float* data, size_t count, double timeout_seconds);
CollectiveResult ring_allreduce_sum(double* data, size_t count, double timeout_seconds);
// Copies root's data (count floats) to every rank.
CollectiveResult broadcast_floats(float* data, size_t count, int root, double timeout_seconds);
CollectiveResult barrier(double timeout_seconds);

}  // namespace cnnmpi
