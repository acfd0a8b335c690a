#include "binding/compute_thread.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace cnnbind {
namespace {

struct Task {
  const std::function<void()>* run;
  std::exception_ptr error;
  bool done = false;
};

class ComputeThread {
 public:
  ComputeThread() {
    std::thread([this] { serve(); }).detach();
  }

  void run(const std::function<void()>& f) {
    Task task{&f, nullptr, false};
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(&task);
    }
    wake_.notify_one();
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, [&] { return task.done; });
    if (task.error) std::rethrow_exception(task.error);
  }

 private:
  void serve() {
    for (;;) {
      Task* task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return !queue_.empty(); });
        task = queue_.front();
        queue_.pop_front();
      }
      try {
        (*task->run)();
      } catch (...) {
        task->error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        task->done = true;
      }
      finished_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  std::deque<Task*> queue_;
};

// Created on first use and never destroyed: its detached thread lives as long as the process
// (a std::thread member destroyed at exit while joinable would terminate the process).
ComputeThread& compute_thread() {
  static ComputeThread* thread = new ComputeThread();
  return *thread;
}

}  // namespace

void run_on_compute_thread(const std::function<void()>& f) { compute_thread().run(f); }

}  // namespace cnnbind
