// Starting and stopping MPI inside a Node.js process (plain C++, no N-API).
// Two things differ from a C program that links MPI directly:
// - Node loads an addon with dlopen(RTLD_LOCAL), so libmpi's symbols are not global and Open
//   MPI's plugins (mca_*.so, dlopened by MPI_Init) cannot resolve them. libmpi is re-opened
//   with RTLD_GLOBAL first.
// - Node has threads of its own (the network's steps run on a compute thread). The level
//   asked for is MPI_THREAD_SERIALIZED: MPI is called from the JS main thread between steps
//   and, during a step, from this addon's step-collectives thread (synchronized batch norm,
//   gradient buckets; step_collectives.h) while the main thread only awaits the step: never
//   from two threads at once. A library that offers only MPI_THREAD_FUNNELED still runs
//   everything but those collectives during a step.
#pragma once
#include <string>

namespace cnnmpi {

struct SessionInfo {
  int rank = 0;
  int size = 1;
  int thread_level = 0;   // what MPI_Init_thread provided
  std::string processor;  // this rank's host name
  std::string library;    // MPI_Get_library_version, first line
};

// Initialises MPI once (later calls return the same info). Returns false and sets *error on failure.
bool start_session(SessionInfo* info, std::string* error);
bool session_started();
// MPI_Finalize if started and not aborted. Safe to call twice.
void finish_session();
// MPI_Abort(MPI_COMM_WORLD, code): the launcher ends every rank. Does not return.
[[noreturn]] void abort_session(int code);

}  // namespace cnnmpi
