// Weight-forensics speed (issue 5, item 4): the elementwise comparison of two
// checkpoints must stream >= 1 GB/s on 2 cores (bytes of BOTH models read),
// and the spectral analysis of a 4096 x 4096 change must take < 2 s.
// In-memory tensors (the page-cache case; bench/run-forensics times the
// whole command on files). Run: bench/run-forensics BUILD_DIR.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>

#include "forensics/diff.h"
#include "forensics/forensics_test_util.h"
#include "forensics/spectral.h"

namespace {

using namespace modelgate::forensics;

// `count` matrices of rows x cols f32 in base and candidate; every element of
// the candidate differs slightly (a fine-tune: the slowest elementwise case).
struct Pair {
  TensorSource base, candidate;
  std::uint64_t bytes = 0;
};

std::unique_ptr<Pair> MakePair(int count, std::uint64_t rows, std::uint64_t cols, bool one_dim) {
  auto p = std::make_unique<Pair>();
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0, 0.02f);
  for (int t = 0; t < count; ++t) {
    testing::F32Tensor b{"layers." + std::to_string(t) + ".mlp.weight",
                         one_dim ? std::vector<std::uint64_t>{rows * cols} : std::vector<std::uint64_t>{rows, cols},
                         std::vector<float>(rows * cols)};
    for (float& x : b.values) x = normal(rng);
    testing::F32Tensor c = b;
    for (float& x : c.values) x *= 1.0001f;
    testing::AddF32(&p->base, b);
    testing::AddF32(&p->candidate, c);
    p->bytes += 2 * rows * cols * 4;
  }
  return p;
}

// 8 x 2048 x 4096 f32 = 256 MiB per model. Flat (1-D): the elementwise pass
// alone; matrices: plus row statistics, ΔW kept and every spectrum.
void BM_Diff(benchmark::State& state, bool matrices) {
  static auto flat = MakePair(8, 2048, 4096, /*one_dim=*/true);
  static auto square = MakePair(8, 2048, 4096, /*one_dim=*/false);
  const Pair& pair = matrices ? *square : *flat;
  DiffOptions options;
  options.jobs = static_cast<unsigned>(state.range(0));
  options.spectra = SpectraMode::kAll;
  for (auto _ : state) {
    DiffReport r = DiffSources(pair.base, pair.candidate, {}, options);
    benchmark::DoNotOptimize(r.tensors.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * pair.bytes));
}
BENCHMARK_CAPTURE(BM_Diff, elementwise, false)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Diff, matrices_all_spectra, true)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Spectrum4096(benchmark::State& state) {
  const std::uint64_t n = 4096;
  std::vector<float> delta = testing::Gaussian(n * n, 1e-3f, 5);
  double energy = 0;
  for (float x : delta) energy += static_cast<double>(x) * x;
  for (auto _ : state) {
    Spectrum s = AnalyseSpectrum(delta.data(), n, n, energy);
    benchmark::DoNotOptimize(s.top1_energy);
  }
}
BENCHMARK(BM_Spectrum4096)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
