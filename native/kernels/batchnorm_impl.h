// Batch normalisation (see batchnorm.h), the kernels each instruction-set unit compiles
// (batchnorm_avx512.cpp, batchnorm_portable.cpp), in as few passes over memory as safe
// numerics allow: training forward reads x once for the statistics and once to normalise;
// backward reads (x, dy) once for the two per-channel sums and once to write dx.
// Work: threads take groups of channels whose data fits in kGroupBytes, so the second pass
// over a group reads L2, not memory.
// Within a group both passes go image by image: the group's planes of one image are one
// contiguous stream, which the prefetcher follows (a channel at a time would jump by C*S
// floats every plane, a stall per plane when planes are small).
// A channel's statistics and parameter gradients are sums that one thread takes in a fixed
// order (images, then positions; deterministic for any thread count, group size and
// schedule), with no reduction across threads.
// Numerics: sums run in kLanes float lanes, flushed into double every kBlock values of a
// channel, so the order depends on the shape alone. The variance uses shifted data: the sums
// are of d = x - K and d^2 with K the mean of the channel's first plane (at most kBlock values
// of image 0), so a large common mean does not cancel the variance away (E[d^2] - E[d]^2 loses
// only as much as (mean - K)^2 exceeds the variance).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/batchnorm_kernel.h"
#include "kernels/threads.h"

// Every unit runs the same operations in the same order, so all give the same bits (the
// kernel tests compare them): no multiply and add may become one FMA where the instruction
// set has it, or the fused ReLU's mask in backward could differ from the forward's.
#if defined(__clang__)
#pragma clang fp contract(off)
#else
#pragma GCC optimize("fp-contract=off")
#endif

namespace cnn {
namespace {

constexpr long long kParallelMinCount = 32 * 1024;
constexpr int kLanes = 16;                  // one AVX-512 vector, four SSE ones: independent add chains
constexpr size_t kBlock = 1024;             // values summed in float lanes before a flush to double
constexpr size_t kGroupBytes = 512 * 1024;  // a quarter of a core's L2

bool worth_parallel(int n, int c, int s) { return c > 1 && (long long)n * c * s > kParallelMinCount; }

const float* plane(const float* base, int img, int c, int ch, int s) { return base + ((size_t)img * c + ch) * s; }
float* plane(float* base, int img, int c, int ch, int s) { return base + ((size_t)img * c + ch) * s; }

// kLanes floats as one GCC/Clang vector (one AVX-512 register, four SSE ones): written out
// explicitly because the compiler, left to vectorise lane arrays, interleaved them with
// shuffles at a third of the speed. Loads and stores go through the unaligned type.
typedef float Lanes __attribute__((vector_size(kLanes * sizeof(float))));
typedef float LanesUnaligned __attribute__((vector_size(kLanes * sizeof(float)), aligned(4)));

// An unaligned load of kLanes floats. Helpers take vectors by reference, never by value: a
// 64-byte vector argument or result has a different ABI with AVX-512 enabled (-Wpsabi).
#define LOAD_LANES(p) (*(const LanesUnaligned*)(p))

float lane_total(const Lanes& v) {
  float t[8];
  for (int l = 0; l < 8; ++l) t[l] = v[l] + v[l + 8];
  return ((t[0] + t[4]) + (t[1] + t[5])) + ((t[2] + t[6]) + (t[3] + t[7]));
}

// g where v > 0, else 0 (a ReLU's mask; false for NaN, as the ReLU's). With AVX-512 the
// lanes are one register and one compare. Elsewhere the comparison runs on 16-byte quarters:
// GCC scalarises compares of vectors wider than the target's registers (16 comiss), while a
// 16-byte one is a single cmpltps on any x86-64.
typedef float Quarter __attribute__((vector_size(16)));
typedef int32_t QuarterBits __attribute__((vector_size(16)));
typedef int32_t LaneBits __attribute__((vector_size(kLanes * sizeof(float))));  // Lanes' bits
void keep_where_positive(Lanes& g, const Lanes& v) {
#if defined(__AVX512F__)
  g = (Lanes)((LaneBits)g & (v > Lanes{}));
#else
  constexpr int kQuarters = (int)(sizeof(Lanes) / sizeof(Quarter));
  for (int k = 0; k < kQuarters; ++k) {
    Quarter vq, gq;
    std::memcpy(&vq, (const char*)&v + k * sizeof(Quarter), sizeof(Quarter));
    std::memcpy(&gq, (const char*)&g + k * sizeof(Quarter), sizeof(Quarter));
    gq = (Quarter)((QuarterBits)gq & (vq > Quarter{}));
    std::memcpy((char*)&g + k * sizeof(Quarter), &gq, sizeof(Quarter));
  }
#endif
}

// The fused ReLU's mask recomputed from the batch norm's input: g where a * xc + b > 0.
void relu_mask(Lanes& g, const Lanes& xc, const Lanes& a, const Lanes& b) {
  const Lanes v = a * xc + b;
  keep_where_positive(g, v);
}

// How backward masks dy: not at all, by the fused ReLU's mask recomputed from x, or by a
// stored output's (the ReLU after a fused residual add: y = max(bn(x) + r, 0)).
enum class GradMask { none, relu, output };

// Two sums over one channel in float lanes (u, v) and scalar tails, flushed into double
// (su, sv) every kBlock values and at the end.
struct Sums {
  Lanes u{}, v{};
  float tu = 0.0f, tv = 0.0f;
  double su = 0.0, sv = 0.0;
  size_t pending = 0;
  void flush() {
    su += (double)(lane_total(u) + tu);
    sv += (double)(lane_total(v) + tv);
    u = v = Lanes{};
    tu = tv = 0.0f;
    pending = 0;
  }
  void counted(size_t len) {
    if ((pending += len) >= kBlock) flush();
  }
};

// The shift K of a channel: the mean of its first plane (at most kBlock values), float lanes.
float channel_shift(int c, int s, const float* x, int ch) {
  const float* xp = plane(x, 0, c, ch, s);
  const size_t len = std::min(kBlock, (size_t)s);
  Lanes lane{};
  size_t i = 0;
  for (; i + kLanes <= len; i += kLanes) lane += LOAD_LANES(xp + i);
  float total = lane_total(lane);
  for (; i < len; ++i) total += xp[i];
  return total / (float)len;
}

// Adds d = x - k and d^2 over one piece of a plane to the channel's sums.
void add_shifted(Sums& t, const float* xp, size_t len, float k) {
  const Lanes kv = Lanes{} + k;
  Lanes u = t.u, v = t.v;
  size_t i = 0;
  for (; i + kLanes <= len; i += kLanes) {
    const Lanes d = LOAD_LANES(xp + i) - kv;
    u += d;
    v += d * d;
  }
  t.u = u;
  t.v = v;
  for (; i < len; ++i) {
    const float d = xp[i] - k;
    t.tu += d;
    t.tv += d * d;
  }
  t.counted(len);
}

// Adds g and g * (x - m) over one piece of a plane to the channel's sums, g = dy; masked
// (GradMask::relu) where the forward's a * (x - m) + b was not positive, or (output) where the
// stored output yp is not. With dgp (output only), g is also written (or, accumulate, added)
// there: the residual's gradient. Each step also asks for the lines `ahead` floats on (the
// next image's piece; 0 at the last image): here, with two streams, interleaved prefetches
// beat a burst per piece (measured with cold data).
template <GradMask mask, bool accumulate = false>
void add_grad(Sums& t, const float* xp, const float* dyp, const float* yp, float* dgp, size_t len, float m, float a,
              float b, size_t ahead) {
  const Lanes mv = Lanes{} + m, av = Lanes{} + a, bv = Lanes{} + b;
  Lanes u = t.u, v = t.v;
  size_t i = 0;
  for (; i + kLanes <= len; i += kLanes) {
    __builtin_prefetch(xp + i + ahead);
    __builtin_prefetch(dyp + i + ahead);
    const Lanes xc = LOAD_LANES(xp + i) - mv;
    Lanes g = LOAD_LANES(dyp + i);
    if (mask == GradMask::relu) relu_mask(g, xc, av, bv);
    if (mask == GradMask::output) {
      __builtin_prefetch(yp + i + ahead);
      const Lanes yv = LOAD_LANES(yp + i);  // a copy: the helpers take aligned references
      keep_where_positive(g, yv);           // the stored output's mask
      if (dgp) *(LanesUnaligned*)(dgp + i) = accumulate ? LOAD_LANES(dgp + i) + g : g;
    }
    u += g;
    v += g * xc;
  }
  t.u = u;
  t.v = v;
  for (; i < len; ++i) {
    const float xc = xp[i] - m, d = dyp[i];
    float g = d;
    if (mask == GradMask::relu) g = a * xc + b > 0.0f ? d : 0.0f;
    if (mask == GradMask::output) {
      g = yp[i] > 0.0f ? d : 0.0f;
      if (dgp) dgp[i] = accumulate ? dgp[i] + g : g;
    }
    t.tu += g;
    t.tv += g * xc;
  }
  t.counted(len);
}

// Asks for the cache lines of p[0, len): the same piece of the next image (C*S floats on),
// requested before this one is summed, so the statistics pass does not wait on L3 or memory
// at every jump between planes (measured faster with cold data).
void prefetch_piece(const float* p, size_t len) {
  for (size_t i = 0; i < len; i += 64 / sizeof(float)) __builtin_prefetch(p + i);
}

// piece(ch, img, offset, len) over the channels [g0, g1), image by image, each plane in
// pieces of at most kBlock values.
template <class Piece>
void walk_group(int n, int s, int g0, int g1, Piece piece) {
  for (int img = 0; img < n; ++img)
    for (int ch = g0; ch < g1; ++ch)
      for (size_t o = 0; o < (size_t)s; o += kBlock) piece(ch, img, o, std::min(kBlock, (size_t)s - o));
}

// Runs body(g0, g1) over groups of consecutive channels, one parallel region (inline when
// small). A group holds as many channels as keep `arrays` tensors' worth of them within
// kGroupBytes, and at most a quarter of a thread's share, so there are enough groups to hand
// out one at a time: a thread the OS preempts on a busy machine then delays the call by one
// group, not by its whole share. Results do not depend on which thread takes a group.
template <class Body>
void for_channel_groups(int n, int c, int s, int arrays, Body body) {
  const int nt = std::min(num_threads(), c);
  const bool parallel = nt > 1 && worth_parallel(n, c, s);
  const size_t channel_bytes = (size_t)n * (size_t)s * sizeof(float) * (size_t)std::max(1, arrays);
  int group = (int)std::max<size_t>(1, kGroupBytes / channel_bytes);
  if (parallel) group = std::min(group, std::max(1, c / (4 * nt)));
  const int groups = (c + group - 1) / group;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (parallel)
  for (int k = 0; k < groups; ++k) body(k * group, std::min(c, (k + 1) * group));
}

// y = a * (x - m) + b over the channels [g0, g1), image by image (subtracting first keeps
// large means exact); plus the residual r when given, then max(y, 0) when relu (the
// expressions of add's and activation's ReLU, so a fused add gives their bits).
void normalise(int n, int c, int s, const float* x, int g0, int g1, const float* m, const float* a, const float* b,
               bool relu, const float* r, float* y) {
  for (int img = 0; img < n; ++img)
    for (int ch = g0; ch < g1; ++ch) {
      const float* xp = plane(x, img, c, ch, s);
      float* yp = plane(y, img, c, ch, s);
      const float mc = m[ch], ac = a[ch], bc = b[ch];
      if (r) {  // the network fuses a residual add only with its ReLU
        const float* rp = plane(r, img, c, ch, s);
        for (int i = 0; i < s; ++i) {
          const float v = (ac * (xp[i] - mc) + bc) + rp[i];
          yp[i] = v > 0.0f ? v : 0.0f;
        }
      } else if (relu)
        for (int i = 0; i < s; ++i) {
          const float v = ac * (xp[i] - mc) + bc;
          yp[i] = v > 0.0f ? v : 0.0f;
        }
      else
        for (int i = 0; i < s; ++i) yp[i] = ac * (xp[i] - mc) + bc;
    }
}

// The per-channel scale of the training forward, recomputed identically by backward (which
// needs it bit for bit to recover the fused ReLU's mask): float gamma * float inv_std. The
// mask's a * (x - m) + b is then the forward's expression, operation for operation (no unit
// contracts it into an FMA: see the pragma above).
float train_scale(const float* gamma, const float* save_inv_std, int ch) { return gamma[ch] * save_inv_std[ch]; }

// The shifted sums of every channel in [g0, g1) (see add_shifted), flushed; then
// per_channel(ch, sums, shift) for each of them.
template <class PerChannel>
void shifted_channel_sums(int n, int c, int s, const float* x, int g0, int g1, PerChannel per_channel) {
  std::vector<Sums> sums((size_t)(g1 - g0));
  std::vector<float> shift((size_t)(g1 - g0));
  for (int ch = g0; ch < g1; ++ch) shift[ch - g0] = channel_shift(c, s, x, ch);
  walk_group(n, s, g0, g1, [&](int ch, int img, size_t o, size_t len) {
    const float* xp = plane(x, img, c, ch, s) + o;
    if (img + 1 < n) prefetch_piece(xp + (size_t)c * s, len);
    add_shifted(sums[ch - g0], xp, len, shift[ch - g0]);
  });
  for (int ch = g0; ch < g1; ++ch) {
    sums[ch - g0].flush();
    per_channel(ch, sums[ch - g0], shift[ch - g0]);
  }
}

// What training records of a channel once its batch mean and (biased) variance over `count`
// values are known: the saved statistics, the scale normalise uses, the running statistics.
struct TrainOutputs {
  const float* gamma;
  float eps, momentum;
  float *save_mean, *save_inv_std, *running_mean, *running_var, *scale;
};
void record_statistics(const TrainOutputs& o, int ch, double mean, double var, double count) {
  o.save_mean[ch] = (float)mean;
  o.save_inv_std[ch] = (float)(1.0 / std::sqrt(var + (double)o.eps));
  o.scale[ch] = train_scale(o.gamma, o.save_inv_std, ch);
  if (o.running_mean && o.running_var) {
    const double unbiased = count > 1 ? var * count / (count - 1) : var;
    o.running_mean[ch] = (float)((1.0 - o.momentum) * o.running_mean[ch] + o.momentum * mean);
    o.running_var[ch] = (float)((1.0 - o.momentum) * o.running_var[ch] + o.momentum * unbiased);
  }
}

// One process: statistics and normalisation per channel group, while the group is in cache.
void forward_train_local(int n, int c, int s, const float* x, const float* beta, const TrainOutputs& o, bool relu,
                         const float* r, float* y) {
  const double count = (double)n * s;
  for_channel_groups(n, c, s, 1, [&](int g0, int g1) {
    shifted_channel_sums(n, c, s, x, g0, g1, [&](int ch, const Sums& t, float shift) {
      const double mean_d = t.su / count;
      const double var = std::max(0.0, t.sv / count - mean_d * mean_d);
      record_statistics(o, ch, (double)shift + mean_d, var, count);
    });
    normalise(n, c, s, x, g0, g1, o.save_mean, o.scale, beta, relu, r, y);
  });
}

// Synchronized batch norm: the statistics are those of every process's images together.
// Each process sums its own images as above, then two sums across processes give the mean
// (every channel's sum of x, and the count) and the sum of squared deviations from it (each
// process's own M2 moved to the common mean exactly, M2_r + n_r (m_r - mean)^2, so a large
// mean does not cancel the variance away). Normalisation is a second pass over x.
void forward_train_synchronized(int n, int c, int s, const float* x, const float* beta, const TrainOutputs& o,
                                bool relu, const float* r, float* y, const CrossProcess& sync) {
  const double local_count = (double)n * s;
  std::vector<double> local_mean((size_t)c), local_m2((size_t)c);
  for_channel_groups(n, c, s, 1, [&](int g0, int g1) {
    shifted_channel_sums(n, c, s, x, g0, g1, [&](int ch, const Sums& t, float shift) {
      local_mean[ch] = (double)shift + t.su / local_count;
      local_m2[ch] = std::max(0.0, t.sv - t.su * t.su / local_count);
    });
  });
  std::vector<double> total((size_t)c + 1);
  for (int ch = 0; ch < c; ++ch) total[ch] = local_mean[ch] * local_count;
  total[c] = local_count;
  sum_across_processes(sync, total.data(), total.size(), "synchronized batch norm (mean)");
  const double count = total[c];
  std::vector<double> mean((size_t)c);
  for (int ch = 0; ch < c; ++ch) {
    mean[ch] = total[ch] / count;
    const double d = local_mean[ch] - mean[ch];
    total[ch] = local_m2[ch] + local_count * d * d;
  }
  sum_across_processes(sync, total.data(), (size_t)c, "synchronized batch norm (variance)");
  for (int ch = 0; ch < c; ++ch) record_statistics(o, ch, mean[ch], std::max(0.0, total[ch] / count), count);
  for_channel_groups(n, c, s, 1,
                     [&](int g0, int g1) { normalise(n, c, s, x, g0, g1, o.save_mean, o.scale, beta, relu, r, y); });
}

void forward_train(int n, int c, int s, const float* x, const float* gamma, const float* beta, float eps,
                   float momentum, float* y, float* save_mean, float* save_inv_std, float* running_mean,
                   float* running_var, bool relu, const float* residual, const CrossProcess* sync) {
  std::vector<float> scale((size_t)c);
  const TrainOutputs o{gamma, eps, momentum, save_mean, save_inv_std, running_mean, running_var, scale.data()};
  if (sync)
    forward_train_synchronized(n, c, s, x, beta, o, relu, residual, y, *sync);
  else
    forward_train_local(n, c, s, x, beta, o, relu, residual, y);
}

// dx (=|+=) p * g + q * (x - m) + r over one plane; g is dy, masked as add_grad masks it.
// The variants are separate loops (template flags), none with a branch inside.
template <GradMask mask, bool accumulate>
void plane_input_grad(const float* x, const float* dy, const float* y, float* dx, int s, float m, float p, float q,
                      float r, float a, float b) {
  const Lanes mv = Lanes{} + m, pv = Lanes{} + p, qv = Lanes{} + q, rv = Lanes{} + r, av = Lanes{} + a,
              bv = Lanes{} + b;
  int i = 0;
  for (; i + kLanes <= s; i += kLanes) {
    const Lanes xc = LOAD_LANES(x + i) - mv;
    Lanes g = LOAD_LANES(dy + i);
    if (mask == GradMask::relu) relu_mask(g, xc, av, bv);
    if (mask == GradMask::output) {
      const Lanes yv = LOAD_LANES(y + i);
      keep_where_positive(g, yv);  // the stored output's mask
    }
    const Lanes d = pv * g + qv * xc + rv;
    if (accumulate)
      *(LanesUnaligned*)(dx + i) = LOAD_LANES(dx + i) + d;
    else
      *(LanesUnaligned*)(dx + i) = d;
  }
  for (; i < s; ++i) {
    const float xc = x[i] - m;
    float g = dy[i];
    if (mask == GradMask::relu) g = a * xc + b > 0.0f ? g : 0.0f;
    if (mask == GradMask::output) g = y[i] > 0.0f ? g : 0.0f;
    const float d = p * g + q * xc + r;
    dx[i] = accumulate ? dx[i] + d : d;
  }
}

// Per-channel constants of dx = p * g + q * (x - m) + r, and of the ReLU's mask (a, b).
struct InputGradConsts {
  float m, p, q, r, a, b;
};

// What backward needs of a channel: its saved statistics, scale (a) and, for the ReLU's
// mask, shift (b); for a fused residual add, the ReLU's output y (the mask) and where the
// residual's gradient goes (dr, =|+= as dr_accumulate; nullptr: nowhere).
struct BackwardInputs {
  const float *x, *gamma, *beta, *save_mean, *save_inv_std, *dy;
  GradMask mask;
  const float* y;
  float* dr;
  bool dr_accumulate;
};

// The sums of g and g * (x - mean) of every channel in [g0, g1), flushed; k[ch - g0] gets
// the channel's m, a and b. With a fused residual add, g goes to dr on the way.
void gradient_sums(int n, int c, int s, const BackwardInputs& in, int g0, int g1, Sums* sums, InputGradConsts* k) {
  for (int ch = g0; ch < g1; ++ch)
    k[ch - g0] = InputGradConsts{in.save_mean[ch],
                                 0,
                                 0,
                                 0,
                                 train_scale(in.gamma, in.save_inv_std, ch),
                                 in.mask == GradMask::relu ? in.beta[ch] : 0.0f};
  walk_group(n, s, g0, g1, [&](int ch, int img, size_t o, size_t len) {
    const InputGradConsts& kc = k[ch - g0];
    const float* xp = plane(in.x, img, c, ch, s) + o;
    const float* dyp = plane(in.dy, img, c, ch, s) + o;
    const size_t ahead = img + 1 < n ? (size_t)c * s : 0;
    Sums& t = sums[ch - g0];
    if (in.mask == GradMask::output) {
      const float* yp = plane(in.y, img, c, ch, s) + o;
      float* dgp = in.dr ? plane(in.dr, img, c, ch, s) + o : nullptr;
      if (in.dr_accumulate)
        add_grad<GradMask::output, true>(t, xp, dyp, yp, dgp, len, kc.m, kc.a, kc.b, ahead);
      else
        add_grad<GradMask::output>(t, xp, dyp, yp, dgp, len, kc.m, kc.a, kc.b, ahead);
    } else if (in.mask == GradMask::relu) {
      add_grad<GradMask::relu>(t, xp, dyp, nullptr, nullptr, len, kc.m, kc.a, kc.b, ahead);
    } else {
      add_grad<GradMask::none>(t, xp, dyp, nullptr, nullptr, len, kc.m, kc.a, kc.b, ahead);
    }
  });
  for (int ch = g0; ch < g1; ++ch) sums[ch - g0].flush();
}

// A channel's sums of dy and dy * xhat (this process's images), added to dgamma and dbeta.
struct ChannelGradSums {
  double dy, dy_xhat;
};
ChannelGradSums add_parameter_grads(const Sums& t, double inv_std, int ch, float* dgamma, float* dbeta) {
  const ChannelGradSums g{t.su, t.sv * inv_std};
  dgamma[ch] += (float)g.dy_xhat;
  dbeta[ch] += (float)g.dy;
  return g;
}

// dx = k * (g - mean(g) - xhat * mean(g * xhat)), k = gamma * inv_std, written as
// p * g + q * (x - mean) + r with the per-channel constants folded once; the means are
// sum_dy / count and sum_dy_xhat / count.
void fold_input_grad(InputGradConsts& kc, double gamma, double inv_std, double mean_dy, double mean_dy_xhat) {
  const double kk = gamma * inv_std;
  kc.p = (float)kk;
  kc.q = (float)(-kk * mean_dy_xhat * inv_std);
  kc.r = (float)(-kk * mean_dy);
}

// dx (=|+=) p * g + q * (x - m) + r over the channels [g0, g1), image by image. With a fused
// residual add whose gradient the sums wrote afresh to dr, g is read back from there (the
// masked dy, already in cache) rather than masked again.
void write_input_grad(int n, int c, int s, const BackwardInputs& in, int g0, int g1, const InputGradConsts* k,
                      float* dx, bool accumulate) {
  GradMask mask = in.mask;
  const float* g = in.dy;
  if (mask == GradMask::output && in.dr && !in.dr_accumulate) {
    mask = GradMask::none;
    g = in.dr;
  }
  auto grad = mask == GradMask::relu
                  ? (accumulate ? plane_input_grad<GradMask::relu, true> : plane_input_grad<GradMask::relu, false>)
              : mask == GradMask::output
                  ? (accumulate ? plane_input_grad<GradMask::output, true> : plane_input_grad<GradMask::output, false>)
                  : (accumulate ? plane_input_grad<GradMask::none, true> : plane_input_grad<GradMask::none, false>);
  for (int img = 0; img < n; ++img)
    for (int ch = g0; ch < g1; ++ch) {
      const InputGradConsts& kc = k[ch - g0];
      grad(plane(in.x, img, c, ch, s), plane(g, img, c, ch, s), in.y ? plane(in.y, img, c, ch, s) : nullptr,
           plane(dx, img, c, ch, s), s, kc.m, kc.p, kc.q, kc.r, kc.a, kc.b);
    }
}

// One process: the sums and dx per channel group, while the group is in cache.
void backward_local(int n, int c, int s, const BackwardInputs& in, float* dx, float* dgamma, float* dbeta,
                    bool accumulate) {
  const double count = (double)n * s;
  for_channel_groups(n, c, s, 2, [&](int g0, int g1) {
    std::vector<Sums> sums((size_t)(g1 - g0));
    std::vector<InputGradConsts> k((size_t)(g1 - g0));
    gradient_sums(n, c, s, in, g0, g1, sums.data(), k.data());
    for (int ch = g0; ch < g1; ++ch) {
      const ChannelGradSums g = add_parameter_grads(sums[ch - g0], in.save_inv_std[ch], ch, dgamma, dbeta);
      fold_input_grad(k[ch - g0], (double)in.gamma[ch], in.save_inv_std[ch], g.dy / count, g.dy_xhat / count);
    }
    if (dx) write_input_grad(n, c, s, in, g0, g1, k.data(), dx, accumulate);
  });
}

// Synchronized batch norm: the means in dx are over every process's images. Each process's
// dy is the gradient of ITS batch's mean loss, n_r / N of the global loss's (N images in
// all), so the sums are brought to global units before they are added across processes
// (times n_r / N) and dx back to local units after (times N / n_r); both factors come from
// one sum of [count * sum_dy (C), count * sum_dy_xhat (C), count]: the means local dx needs
// are (sum over r of n_r * sum_r) / (N * n_r). dgamma and dbeta stay this process's own
// sums, in local units like every other parameter gradient (the gradient allreduce that
// follows the step weighs them by n_r / N).
void backward_synchronized(int n, int c, int s, const BackwardInputs& in, float* dx, float* dgamma, float* dbeta,
                           bool accumulate, const CrossProcess& sync) {
  const double local_count = (double)n * s;
  std::vector<InputGradConsts> k((size_t)c);
  std::vector<double> total(2 * (size_t)c + 1);
  for_channel_groups(n, c, s, 2, [&](int g0, int g1) {
    std::vector<Sums> sums((size_t)(g1 - g0));
    gradient_sums(n, c, s, in, g0, g1, sums.data(), k.data() + g0);
    for (int ch = g0; ch < g1; ++ch) {
      const ChannelGradSums g = add_parameter_grads(sums[ch - g0], in.save_inv_std[ch], ch, dgamma, dbeta);
      total[ch] = local_count * g.dy;
      total[(size_t)c + ch] = local_count * g.dy_xhat;
    }
  });
  total[2 * (size_t)c] = local_count;
  sum_across_processes(sync, total.data(), total.size(), "synchronized batch norm (backward)");
  const double denominator = total[2 * (size_t)c] * local_count;
  for (int ch = 0; ch < c; ++ch)
    fold_input_grad(k[ch], (double)in.gamma[ch], (double)in.save_inv_std[ch], total[ch] / denominator,
                    total[(size_t)c + ch] / denominator);
  if (!dx) return;
  for_channel_groups(n, c, s, 2,
                     [&](int g0, int g1) { write_input_grad(n, c, s, in, g0, g1, k.data() + g0, dx, accumulate); });
}

void backward(int n, int c, int s, const float* x, const float* gamma, const float* beta, const float* save_mean,
              const float* save_inv_std, const float* dy, float* dx, float* dgamma, float* dbeta, bool accumulate,
              bool relu, const ResidualGrad* residual, const CrossProcess* sync) {
  const BackwardInputs in{x,
                          gamma,
                          beta,
                          save_mean,
                          save_inv_std,
                          dy,
                          residual ? GradMask::output
                          : relu   ? GradMask::relu
                                   : GradMask::none,
                          residual ? residual->y : nullptr,
                          residual ? residual->dr : nullptr,
                          residual && residual->dr_accumulate};
  if (sync)
    backward_synchronized(n, c, s, in, dx, dgamma, dbeta, accumulate, *sync);
  else
    backward_local(n, c, s, in, dx, dgamma, dbeta, accumulate);
}

// Evaluation: y = scale * (x - running_mean) + beta, scale = gamma / sqrt(running_var + eps).
void forward_eval(int n, int c, int s, const float* x, const float* gamma, const float* beta, const float* running_mean,
                  const float* running_var, float eps, float* y) {
  std::vector<float> scale((size_t)c);
  for (int ch = 0; ch < c; ++ch)
    scale[ch] = (float)((double)gamma[ch] / std::sqrt((double)running_var[ch] + (double)eps));
  for_channel_groups(n, c, s, 0, [&](int g0, int g1) {
    normalise(n, c, s, x, g0, g1, running_mean, scale.data(), beta, false, nullptr, y);
  });
}

// This unit's kernels, as the dispatch table batchnorm.cpp calls.
const BatchNormKernels& batchnorm_table() {
  static const BatchNormKernels table{forward_train, forward_eval, backward};
  return table;
}

}  // namespace
}  // namespace cnn
