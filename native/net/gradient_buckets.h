// Gradient buckets of data-parallel training, overlapped with the backward pass: as the
// backward pass goes from the last layer to the first, the gradients of the layers it has
// finished are final, and once enough of them have gathered (a bucket) their sum across
// processes starts in the background (CrossProcess::start_float_sum) while the pass goes on
// to earlier layers. This works on ranges of the flat gradient array because a layer's
// parameters lie above those of every layer before it (parameter_layout_allows_buckets);
// the last bucket is everything left below when the pass ends, and finish() waits for all.
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include "kernels/cross_process.h"
#include "net/network.h"

namespace cnn {

// Whether every layer's parameters (weight, bias, running statistics) lie at or above the
// end of every earlier layer's, as the planner lays them out.
bool parameter_layout_allows_buckets(const std::vector<std::unique_ptr<Layer>>& layers);

class GradientBuckets {
 public:
  // exchange nullptr: every call does nothing. Sums scale * grads across processes.
  GradientBuckets(const CrossProcess* exchange, float* grads, size_t param_count, float scale, size_t bucket_floats);
  GradientBuckets(const GradientBuckets&) = delete;
  GradientBuckets& operator=(const GradientBuckets&) = delete;
  // Waits for the sums already started when finish() did not run (an exception is on its
  // way out of the backward pass): the sums write into grads, which the caller owns.
  ~GradientBuckets();

  // The backward pass has finished this layer: its gradients are final.
  void layer_done(const Layer& layer);
  // Starts the sum of everything not yet sent and waits for every sum of the step; throws
  // CrossProcessError when one failed.
  void finish();

 private:
  void start(size_t lo, size_t hi);

  const CrossProcess* exchange_;
  float* grads_;
  float scale_;
  size_t bucket_floats_;
  size_t unsent_end_;     // grads_[0, unsent_end_) has not been handed to the exchange
  size_t final_begin_;    // grads_[final_begin_, unsent_end_) is final, waiting for a full bucket
  bool waiting_ = false;  // sums were started and finish() has not waited for them
};

}  // namespace cnn
