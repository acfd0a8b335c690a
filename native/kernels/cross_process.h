// What the network needs from the other processes of a data-parallel run in the middle of
// a step: sums of batch-norm statistics (synchronized batch norm: batchnorm_impl.h) and sums of
// gradient buckets started during the backward pass (net/gradient_buckets.cpp). The main
// addon never links MPI: the MPI addon (native/distributed/mpi_addon.cpp) fills this table
// and passes its address to JavaScript, which gives it to the network (setBatchNormSync,
// setGradientExchange). Both addons are compiled from this header, so the layout is plain C
// and carries a version that the receiving side checks.
// Every function is called from the thread that runs the step.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

namespace cnn {

constexpr int kCrossProcessVersion = 0x63700002;  // "cp" v2: bump when the layout changes

struct CrossProcess {
  int version;  // kCrossProcessVersion
  // data (count doubles) = the sum of every process's data, in place, bitwise the same on
  // every process; returns once done. Returns 0 on success; otherwise 1 (a process did not
  // answer in time) or 2 (the transport failed) with a message in error (error_size bytes,
  // NUL-terminated).
  int (*sum)(void* ctx, double* data, size_t count, char* error, size_t error_size);
  // Starts data[0:count) = the sum over processes of scale * data, and returns at once: the
  // sum runs in the background, after every sum started before it. data must not be touched
  // until finish_float_sums returns.
  void (*start_float_sum)(void* ctx, float* data, size_t count, float scale);
  // Waits for every started float sum; returns as sum does.
  int (*finish_float_sums)(void* ctx, char* error, size_t error_size);
  void* ctx;
};

// What the network throws when a sum fails (the step is abandoned; the binding reports it to
// JavaScript with code ETIMEDOUT or EMPI, as the MPI addon's own collectives do).
class CrossProcessError : public std::runtime_error {
 public:
  CrossProcessError(int status, const std::string& what) : std::runtime_error(what), status_(status) {}
  bool timed_out() const { return status_ == 1; }

 private:
  int status_;
};

// sync.sum on data, throwing CrossProcessError (naming `what`) on failure.
inline void sum_across_processes(const CrossProcess& sync, double* data, size_t count, const char* what) {
  char error[256] = {0};
  int status = sync.sum(sync.ctx, data, count, error, sizeof error);
  if (status != 0) throw CrossProcessError(status, std::string(what) + ": " + error);
}

// exchange.finish_float_sums, throwing CrossProcessError (naming `what`) on failure.
inline void finish_float_sums_across_processes(const CrossProcess& exchange, const char* what) {
  char error[256] = {0};
  int status = exchange.finish_float_sums(exchange.ctx, error, sizeof error);
  if (status != 0) throw CrossProcessError(status, std::string(what) + ": " + error);
}

}  // namespace cnn
