#include "distributed/collectives.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <thread>
#include <vector>

namespace cnnmpi {
namespace {

using Clock = std::chrono::steady_clock;

const int kTagReduceScatter = 7101;
const int kTagAllgather = 7102;
// Messages go in pieces of at most this many elements (4 MB of floats): MPI counts are ints,
// and each finished piece restarts the waiting loop's spin phase (see wait_all).
const size_t kMaxMessage = (size_t)1 << 20;

template <class T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<float>() {
  return MPI_FLOAT;
}
template <>
MPI_Datatype mpi_type<double>() {
  return MPI_DOUBLE;
}

CollectiveResult failed(int code) {
  char text[MPI_MAX_ERROR_STRING] = {0};
  int len = 0;
  MPI_Error_string(code, text, &len);
  CollectiveResult r;
  r.status = CollectiveStatus::Failed;
  r.what.assign(text, (size_t)len);
  return r;
}

CollectiveResult timed_out(int peer) {
  CollectiveResult r;
  r.status = CollectiveStatus::TimedOut;
  r.peer = peer;
  return r;
}

// Polls the requests until all complete (true) or the deadline passes (false). Polling is
// what moves a large message along (each MPI_Testall copies the fragments that arrived), so
// the loop spins, then yields the core, and sleeps between polls only after 50 ms without
// completion: by then the peer is still computing, not sending, and the sleeping rank leaves
// the core to the ranks that are.
bool wait_all(MPI_Request* reqs, int n, Clock::time_point deadline, int* code) {
  Clock::time_point started = Clock::now();
  for (long polls = 0;; ++polls) {
    int done = 0;
    *code = MPI_Testall(n, reqs, &done, MPI_STATUSES_IGNORE);
    if (*code != MPI_SUCCESS || done) return true;
    if (polls < 1000) continue;
    Clock::time_point now = Clock::now();
    if (now >= deadline) return false;
    if (now - started < std::chrono::milliseconds(50))
      std::this_thread::yield();
    else
      std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

Clock::time_point deadline_after(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// One round: receive `rn` elements from `left` into recv while sending `sn` from send to `right`.
template <class T>
CollectiveResult exchange(const T* send, size_t sn, T* recv, size_t rn, int left, int right, int tag,
                          Clock::time_point deadline) {
  for (size_t done_s = 0, done_r = 0; done_s < sn || done_r < rn;) {
    size_t s = std::min(kMaxMessage, sn - done_s), r = std::min(kMaxMessage, rn - done_r);
    MPI_Request reqs[2];
    int n = 0, code = MPI_SUCCESS;
    if (r) code = MPI_Irecv(recv + done_r, (int)r, mpi_type<T>(), left, tag, MPI_COMM_WORLD, &reqs[n++]);
    if (code == MPI_SUCCESS && s)
      code = MPI_Isend(const_cast<T*>(send + done_s), (int)s, mpi_type<T>(), right, tag, MPI_COMM_WORLD, &reqs[n++]);
    if (code != MPI_SUCCESS) return failed(code);
    if (!wait_all(reqs, n, deadline, &code)) return timed_out(left);
    if (code != MPI_SUCCESS) return failed(code);
    done_s += s;
    done_r += r;
  }
  return CollectiveResult{};
}

template <class T>
CollectiveResult ring_sum(T* data, size_t count, double timeout_seconds) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size == 1 || count == 0) return CollectiveResult{};
  auto begin = [&](int c) { return count * (size_t)c / (size_t)size; };
  auto length = [&](int c) { return begin(c + 1) - begin(c); };
  auto wrap = [&](int c) { return ((c % size) + size) % size; };
  std::vector<T> incoming(length(size - 1) + 1);
  int left = wrap(rank - 1), right = wrap(rank + 1);
  Clock::time_point deadline = deadline_after(timeout_seconds);
  // Reduce-scatter: after p - 1 rounds this rank holds the full sum of chunk rank + 1.
  for (int s = 0; s < size - 1; ++s) {
    int out = wrap(rank - s), in = wrap(rank - s - 1);
    CollectiveResult r =
        exchange(data + begin(out), length(out), incoming.data(), length(in), left, right, kTagReduceScatter, deadline);
    if (r.status != CollectiveStatus::Ok) return r;
    T* mine = data + begin(in);
    for (size_t i = 0, n = length(in); i < n; ++i) mine[i] = incoming[i] + mine[i];
  }
  // Allgather: the finished chunks travel once around the ring.
  for (int s = 0; s < size - 1; ++s) {
    int out = wrap(rank + 1 - s), in = wrap(rank - s);
    CollectiveResult r =
        exchange(data + begin(out), length(out), data + begin(in), length(in), left, right, kTagAllgather, deadline);
    if (r.status != CollectiveStatus::Ok) return r;
  }
  return CollectiveResult{};
}

}  // namespace

CollectiveResult ring_allreduce_sum(float* data, size_t count, double timeout_seconds) {
  return ring_sum(data, count, timeout_seconds);
}
CollectiveResult ring_allreduce_sum(double* data, size_t count, double timeout_seconds) {
  return ring_sum(data, count, timeout_seconds);
}

CollectiveResult broadcast_floats(float* data, size_t count, int root, double timeout_seconds) {
  Clock::time_point deadline = deadline_after(timeout_seconds);
  for (size_t done = 0; done < count;) {
    size_t n = std::min(kMaxMessage, count - done);
    MPI_Request req;
    int code = MPI_Ibcast(data + done, (int)n, MPI_FLOAT, root, MPI_COMM_WORLD, &req);
    if (code != MPI_SUCCESS) return failed(code);
    if (!wait_all(&req, 1, deadline, &code)) return timed_out(root);
    if (code != MPI_SUCCESS) return failed(code);
    done += n;
  }
  return CollectiveResult{};
}

CollectiveResult barrier(double timeout_seconds) {
  MPI_Request req;
  int code = MPI_Ibarrier(MPI_COMM_WORLD, &req);
  if (code != MPI_SUCCESS) return failed(code);
  if (!wait_all(&req, 1, deadline_after(timeout_seconds), &code)) return timed_out(-1);
  if (code != MPI_SUCCESS) return failed(code);
  return CollectiveResult{};
}

}  // namespace cnnmpi
