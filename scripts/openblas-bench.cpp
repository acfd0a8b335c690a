// OpenBLAS yardstick for the GEMM engine: GFLOP/s of cblas_sgemm (row-major) at the shapes
// scripts/gemm-bench.js times, per thread count, median of several runs. Not part of the
// addon: scripts/gemm-bench.js compiles it when OpenBLAS is installed and runs it shape by
// shape, alternating with the addon. By hand:
//   g++ -O2 -o /tmp/openblas-bench scripts/openblas-bench.cpp -lopenblas
//   OPENBLAS_CORETYPE=SkylakeX /tmp/openblas-bench [runs] [threads...]      (the table)
//   /tmp/openblas-bench --shape M N K TRANS_A TRANS_B THREADS RUNS         (one line: median best)
// (SkylakeX selects OpenBLAS's AVX-512 kernels on AMD CPUs it does not recognise.)
#include <cblas.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" void openblas_set_num_threads(int);

struct Shape {
  const char* label;
  bool ta, tb;
  int m, n, k;
};

static const Shape kShapes[] = {
    {"256^3", false, false, 256, 256, 256},
    {"512^3", false, false, 512, 512, 512},
    {"1024^3", false, false, 1024, 1024, 1024},
    {"2048^3", false, false, 2048, 2048, 2048},
    {"lenet conv1 fwd (6,784,25)", false, false, 6, 784, 25},
    {"conv 64ch fwd (64,1024,576)", false, false, 64, 1024, 576},
    {"conv 64ch bwd-data (576,1024,64) tA", true, false, 576, 1024, 64},
    {"conv 64ch bwd-weights (64,576,1024) tB", false, true, 64, 576, 1024},
    {"dense fwd (128,512,3136) tB", false, true, 128, 512, 3136},
    {"dense bwd-weights (512,3136,128) tA", true, false, 512, 3136, 128},
};

static double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Rate {
  double median, best;
};

// Median and best GFLOP/s over `runs` runs, each repeating the call for at least ~50 ms.
static Rate time_shape(const Shape& s, int runs) {
  std::vector<float> a((size_t)s.m * s.k), b((size_t)s.k * s.n), c((size_t)s.m * s.n);
  for (auto& x : a) x = (float)rand() / RAND_MAX * 2 - 1;
  for (auto& x : b) x = (float)rand() / RAND_MAX * 2 - 1;
  auto call = [&] {
    cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans, s.m, s.n, s.k, 1.0f,
                a.data(), s.ta ? s.m : s.k, b.data(), s.tb ? s.k : s.n, 0.0f, c.data(), s.n);
  };
  call();
  int reps = 1;
  for (;;) {
    double t0 = seconds_now();
    for (int r = 0; r < reps; ++r) call();
    if (seconds_now() - t0 > 0.05 || reps > 100000) break;
    reps *= 2;
  }
  std::vector<double> rates;
  for (int run = 0; run < runs; ++run) {
    double t0 = seconds_now();
    for (int r = 0; r < reps; ++r) call();
    rates.push_back(2.0 * s.m * s.n * s.k * reps / (seconds_now() - t0) / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  return Rate{rates[rates.size() / 2], rates.back()};
}

int main(int argc, char** argv) {
  if (argc == 9 && std::string(argv[1]) == "--shape") {
    Shape s{"shape", atoi(argv[5]) != 0, atoi(argv[6]) != 0, atoi(argv[2]), atoi(argv[3]), atoi(argv[4])};
    openblas_set_num_threads(atoi(argv[7]));
    Rate r = time_shape(s, atoi(argv[8]));
    printf("%.2f %.2f\n", r.median, r.best);
    return 0;
  }
  int runs = argc > 1 ? atoi(argv[1]) : 7;
  std::vector<int> threads;
  for (int i = 2; i < argc; ++i) threads.push_back(atoi(argv[i]));
  if (threads.empty()) threads = {1, 2};
  printf("%-42s", "shape");
  for (int t : threads) printf("     openblas x%d", t);
  printf("\n");
  for (const Shape& s : kShapes) {
    printf("%-42s", s.label);
    for (int t : threads) {
      openblas_set_num_threads(t);
      Rate r = time_shape(s, runs);
      printf("%11.0f/%-5.0f", r.median, r.best);
    }
    printf("\n");
    fflush(stdout);
  }
  printf("\nGFLOP/s, median/best of %d runs\n", runs);
  return 0;
}
