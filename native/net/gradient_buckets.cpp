#include "net/gradient_buckets.h"

#include <algorithm>
#include <cstdint>

namespace cnn {
namespace {

// [lo, hi) of the parameter array that a layer owns; lo == hi when it owns none.
struct Span {
  size_t lo, hi;
};

Span parameter_span(const Layer& layer) {
  const LayerDesc& d = layer.desc;
  size_t lo = SIZE_MAX, hi = 0;
  auto take = [&](int64_t offset, size_t size) {
    if (offset < 0 || size == 0) return;
    lo = std::min(lo, (size_t)offset);
    hi = std::max(hi, (size_t)offset + size);
  };
  take(d.weight_offset, d.weight_size);
  take(d.bias_offset, d.bias_size);
  for (const ParamBuffer& b : layer.buffers()) take(b.offset, b.size);
  return lo == SIZE_MAX ? Span{0, 0} : Span{lo, hi};
}

}  // namespace

bool parameter_layout_allows_buckets(const std::vector<std::unique_ptr<Layer>>& layers) {
  size_t end = 0;
  for (const auto& L : layers) {
    Span s = parameter_span(*L);
    if (s.lo == s.hi) continue;
    if (s.lo < end) return false;
    end = s.hi;
  }
  return true;
}

GradientBuckets::GradientBuckets(const CrossProcess* exchange, float* grads, size_t param_count, float scale,
                                 size_t bucket_floats)
    : exchange_(exchange),
      grads_(grads),
      scale_(scale),
      bucket_floats_(std::max<size_t>(bucket_floats, 1)),
      unsent_end_(param_count),
      final_begin_(param_count) {}

GradientBuckets::~GradientBuckets() {
  if (!waiting_) return;
  char error[256];
  exchange_->finish_float_sums(exchange_->ctx, error, sizeof error);  // the step failed anyway
}

void GradientBuckets::layer_done(const Layer& layer) {
  if (!exchange_) return;
  Span s = parameter_span(layer);
  if (s.lo == s.hi) return;
  final_begin_ = std::min(final_begin_, s.lo);
  if (unsent_end_ - final_begin_ >= bucket_floats_) start(final_begin_, unsent_end_);
}

void GradientBuckets::finish() {
  if (!exchange_) return;
  start(0, unsent_end_);  // the pass is over: everything is final
  waiting_ = false;
  finish_float_sums_across_processes(*exchange_, "gradient bucket");
}

void GradientBuckets::start(size_t lo, size_t hi) {
  if (hi > lo) {
    exchange_->start_float_sum(exchange_->ctx, grads_ + lo, hi - lo, scale_);
    waiting_ = true;
  }
  unsent_end_ = final_begin_ = lo;
}

}  // namespace cnn
