#include "distributed/mpi_session.h"

#include <dlfcn.h>
#include <mpi.h>

#include <cstdlib>

namespace cnnmpi {
namespace {

bool g_started = false;
bool g_finished = false;
SessionInfo g_info;

// Re-opens the libmpi this addon was linked against with RTLD_GLOBAL (RTLD_NOLOAD: it is
// already loaded; this only changes its symbol visibility) so Open MPI's plugins resolve.
void promote_libmpi_symbols() {
  Dl_info where;
  if (dladdr(reinterpret_cast<void*>(&MPI_Init_thread), &where) && where.dli_fname)
    dlopen(where.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
}

}  // namespace

bool start_session(SessionInfo* info, std::string* error) {
  if (g_started) {
    *info = g_info;
    return true;
  }
  promote_libmpi_symbols();
  int provided = 0;
  int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
  if (rc != MPI_SUCCESS) {
    *error = "MPI_Init_thread failed (code " + std::to_string(rc) + ")";
    return false;
  }
  g_started = true;
  // Failures come back as return codes we turn into JS errors, instead of MPI aborting the job.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_info.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_info.size);
  g_info.thread_level = provided;
  char name[MPI_MAX_PROCESSOR_NAME] = {0};
  int len = 0;
  MPI_Get_processor_name(name, &len);
  g_info.processor.assign(name, (size_t)len);
  char lib[MPI_MAX_LIBRARY_VERSION_STRING] = {0};
  MPI_Get_library_version(lib, &len);
  std::string all(lib, (size_t)len);
  g_info.library = all.substr(0, all.find_first_of(",\n"));
  if (provided < MPI_THREAD_FUNNELED) {
    *error = "the MPI library provides thread level " + std::to_string(provided) + ", below MPI_THREAD_FUNNELED";
    return false;
  }
  *info = g_info;
  return true;
}

bool session_started() { return g_started && !g_finished; }

void finish_session() {
  if (!g_started || g_finished) return;
  g_finished = true;
  MPI_Finalize();
}

void abort_session(int code) {
  if (g_started && !g_finished) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

}  // namespace cnnmpi
