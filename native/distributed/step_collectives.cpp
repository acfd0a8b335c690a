#include "distributed/step_collectives.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace cnnmpi {
namespace {

// One request: a float sum (scaled first) or a double sum someone waits for.
struct Job {
  float* floats = nullptr;
  double* doubles = nullptr;
  size_t count = 0;
  float scale = 1.0f;
  double timeout_seconds = 0;
  bool done = false;
  CollectiveResult result;
};

struct Worker {
  std::mutex mutex;
  std::condition_variable wake;      // the worker: a job was queued, or stop
  std::condition_variable finished;  // waiters: a job finished
  std::deque<Job*> queue;
  int running = 0;                 // jobs taken off the queue, not yet finished
  CollectiveResult first_failure;  // since the last finish_step_sums
  bool stopping = false;
  std::thread* thread = nullptr;

  void run() {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      wake.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping, nothing left
      Job* job = queue.front();
      queue.pop_front();
      ++running;
      const bool skip = first_failure.status != CollectiveStatus::Ok;
      lock.unlock();
      if (!skip)
        execute(*job);
      else
        job->result = first_failure;
      lock.lock();
      if (job->result.status != CollectiveStatus::Ok && first_failure.status == CollectiveStatus::Ok)
        first_failure = job->result;
      --running;
      job->done = true;
      if (job->floats) delete job;  // nobody waits on a float sum itself
      finished.notify_all();
    }
  }

  static void execute(Job& job) {
    if (job.doubles) {
      job.result = ring_allreduce_sum(job.doubles, job.count, job.timeout_seconds);
      return;
    }
    if (job.scale != 1.0f)
      for (size_t i = 0; i < job.count; ++i) job.floats[i] *= job.scale;
    job.result = ring_allreduce_sum(job.floats, job.count, job.timeout_seconds);
  }

  // Queues a job, starting the thread on first use. Called with the mutex held.
  void push(Job* job) {
    if (!thread) thread = new std::thread([this] { run(); });
    queue.push_back(job);
    wake.notify_one();
  }
};

Worker& worker() {
  static Worker* w = new Worker();  // never destroyed (see the header)
  return *w;
}

}  // namespace

void start_step_sum(float* data, size_t count, float scale, double timeout_seconds) {
  Worker& w = worker();
  Job* job = new Job();
  job->floats = data;
  job->count = count;
  job->scale = scale;
  job->timeout_seconds = timeout_seconds;
  std::lock_guard<std::mutex> lock(w.mutex);
  w.push(job);
}

CollectiveResult step_sum(double* data, size_t count, double timeout_seconds) {
  Worker& w = worker();
  Job job;
  job.doubles = data;
  job.count = count;
  job.timeout_seconds = timeout_seconds;
  std::unique_lock<std::mutex> lock(w.mutex);
  w.push(&job);
  w.finished.wait(lock, [&] { return job.done; });
  return job.result;
}

CollectiveResult finish_step_sums() {
  Worker& w = worker();
  std::unique_lock<std::mutex> lock(w.mutex);
  w.finished.wait(lock, [&] { return w.queue.empty() && w.running == 0; });
  CollectiveResult r = w.first_failure;
  w.first_failure = CollectiveResult{};
  return r;
}

void stop_step_collectives() {
  Worker& w = worker();
  std::thread* t = nullptr;
  {
    std::lock_guard<std::mutex> lock(w.mutex);
    w.stopping = true;
    w.wake.notify_all();
    t = w.thread;
    w.thread = nullptr;
  }
  if (t) {
    t->join();
    delete t;
  }
}

}  // namespace cnnmpi
