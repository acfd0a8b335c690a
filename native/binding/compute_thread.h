// One thread runs every network step. Steps arrive on libuv's pool threads (AsyncWorker::
// Execute), which take turns; had each run its step itself, every pool thread would be the
// master of its own OpenMP team, and the team of the previous step would still be spinning
// when the next step's team started: on two cores, three or four busy threads, and two
// threads measured slower than one (lenet5: 29k against 36k images/s; through one thread,
// 56-62k). Routed through this thread, all steps share one team.
#pragma once
#include <functional>

namespace cnnbind {

// Runs f on the compute thread and waits for it to finish; an exception thrown by f is
// rethrown in the caller. Calls from several threads are served one after another.
void run_on_compute_thread(const std::function<void()>& f);

}  // namespace cnnbind
