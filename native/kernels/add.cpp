// Element-wise addition and its backward (see add.h): plain loops over each thread's range
// (for_each_range: one parallel region, contiguous cache-line-aligned ranges) that the
// compiler vectorises. Element-wise, so every thread split gives the same result.
#include "kernels/add.h"
#include "kernels/parallel_range.h"

namespace cnn {

namespace {

// g (=|+=) value(i) for i in [0, n)
template <class Value>
void store_or_add(size_t n, float* g, bool accumulate, Value value) {
  if (accumulate)
    for (size_t i = 0; i < n; ++i) g[i] += value(i);
  else
    for (size_t i = 0; i < n; ++i) g[i] = value(i);
}

// da (=|+=) value(i) and db (=|+=) value(i) in one loop: value is read once for both.
template <bool accumulate_a, bool accumulate_b, class Value>
void store_both(size_t n, float* da, float* db, Value value) {
  for (size_t i = 0; i < n; ++i) {
    const float v = value(i);
    da[i] = accumulate_a ? da[i] + v : v;
    db[i] = accumulate_b ? db[i] + v : v;
  }
}

// Routes value(i) to the inputs' gradients over one range. Distinct buffers take one loop
// writing both; the same buffer twice (a layer added to itself) takes a's pass, then b's,
// so b's sees a's result as add.h promises.
template <class Value>
void route(size_t n, float* da, bool accumulate_a, float* db, bool accumulate_b, Value value) {
  if (da && db && da != db) {
    if (accumulate_a) {
      if (accumulate_b)
        store_both<true, true>(n, da, db, value);
      else
        store_both<true, false>(n, da, db, value);
    } else {
      if (accumulate_b)
        store_both<false, true>(n, da, db, value);
      else
        store_both<false, false>(n, da, db, value);
    }
    return;
  }
  if (da) store_or_add(n, da, accumulate_a, value);
  if (db) store_or_add(n, db, accumulate_b, value);
}

}  // namespace

void elementwise_add_forward(size_t count,
                             const float* a,  // (count)
                             const float* b,  // (count)
                             float* out) {    // (count)
  for_each_range(count, [=](size_t lo, size_t hi) {
    const float *as = a + lo, *bs = b + lo;
    float* os = out + lo;
    const size_t n = hi - lo;
    for (size_t i = 0; i < n; ++i) os[i] = as[i] + bs[i];
  });
}

// Per range, a's gradient then b's: when da == db the second sees the first's result, which
// is what the aliasing contract in add.h needs; each loop stays a simple stream.
void elementwise_add_backward(size_t count,
                              const float* dout,  // (count)
                              float* da,          // (count) or nullptr
                              bool accumulate_a,
                              float* db,  // (count) or nullptr
                              bool accumulate_b) {
  if (!da && !db) return;
  for_each_range(count, [=](size_t lo, size_t hi) {
    const float* d = dout + lo;
    route(hi - lo, da ? da + lo : nullptr, accumulate_a, db ? db + lo : nullptr, accumulate_b,
          [d](size_t i) { return d[i]; });
  });
}

void elementwise_add_relu_forward(size_t count,
                                  const float* a,  // (count)
                                  const float* b,  // (count)
                                  float* out) {    // (count)
  for_each_range(count, [=](size_t lo, size_t hi) {
    const float *as = a + lo, *bs = b + lo;
    float* os = out + lo;
    const size_t n = hi - lo;
    for (size_t i = 0; i < n; ++i) {
      const float v = as[i] + bs[i];
      os[i] = v > 0.0f ? v : 0.0f;
    }
  });
}

void elementwise_add_relu_backward(size_t count,
                                   const float* y,     // (count)
                                   const float* dout,  // (count)
                                   float* da,          // (count) or nullptr
                                   bool accumulate_a,
                                   float* db,  // (count) or nullptr
                                   bool accumulate_b) {
  if (!da && !db) return;
  for_each_range(count, [=](size_t lo, size_t hi) {
    const float *ys = y + lo, *d = dout + lo;
    // dout is loaded unconditionally so the select vectorises.
    route(hi - lo, da ? da + lo : nullptr, accumulate_a, db ? db + lo : nullptr, accumulate_b, [ys, d](size_t i) {
      const float g = d[i];
      return ys[i] > 0.0f ? g : 0.0f;
    });
  });
}

}  // namespace cnn
