// A sum across the processes of a data-parallel run, handed to the kernels that need one in
// the middle of a step (synchronized batch norm: batchnorm.cpp). The main addon never links
// MPI: the MPI addon (native/distributed/mpi_addon.cpp) fills this struct and passes its
// address to JavaScript, which gives it to the network (setBatchNormSync). Both addons are
// compiled from this header, so the layout is plain C and carries a version that the
// receiving side checks.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

namespace cnn {

constexpr int kCrossProcessSumVersion = 0x63730001;  // "cs" v1: bump when the layout changes

struct CrossProcessSum {
  int version;  // kCrossProcessSumVersion
  // data (count doubles) = the sum of every process's data, in place, bitwise the same on
  // every process. Returns 0 on success; otherwise 1 (a process did not answer in time) or
  // 2 (the transport failed) with a message in error (error_size bytes, NUL-terminated).
  // Called from the thread that runs the step, never concurrently with another call.
  int (*sum)(void* ctx, double* data, size_t count, char* error, size_t error_size);
  void* ctx;
};

// What a kernel throws when the sum fails (the step is abandoned; the binding reports it to
// JavaScript with code ETIMEDOUT or EMPI, as the MPI addon's own collectives do).
class CrossProcessSumError : public std::runtime_error {
 public:
  CrossProcessSumError(int status, const std::string& what) : std::runtime_error(what), status_(status) {}
  bool timed_out() const { return status_ == 1; }

 private:
  int status_;
};

// sync->sum on data, throwing CrossProcessSumError (naming `what`) on failure.
inline void sum_across_processes(const CrossProcessSum& sync, double* data, size_t count, const char* what) {
  char error[256] = {0};
  int status = sync.sum(sync.ctx, data, count, error, sizeof error);
  if (status != 0) throw CrossProcessSumError(status, std::string(what) + ": " + error);
}

}  // namespace cnn
