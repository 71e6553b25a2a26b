// Hashing throughput of BuildManifest (issue 4, item 1): target >= 90% of
// `openssl speed -evp sha256` over both cores. Data from
// bench/make-hash-bench-data (not committed):
//   $DATA/one-2g/weights.bin      one 2 GiB file      -> "shards" (1 GB shards)
//   $DATA/eight-256m/part-{0..7}  8 x 256 MiB files   -> "files"
// DATA = $MODELGATE_HASH_BENCH_DATA or /tmp/modelgate-hash-bench. The page
// cache is warmed by one untimed build before timing.
//
// Besides wall-clock bytes_per_second, "cpu_MBps" is bytes per second of
// process CPU time (user + system, all threads): `openssl speed` measures
// user CPU time by default, so this is the figure to compare with it on a
// machine shared with other work.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "provenance/manifest.h"

namespace {

namespace fs = std::filesystem;
using modelgate::provenance::BuildManifest;
using modelgate::provenance::SerializationMethod;
using modelgate::provenance::SerializationOptions;

fs::path DataDir() {
  const char* env = std::getenv("MODELGATE_HASH_BENCH_DATA");
  return env && *env ? fs::path(env) : fs::path("/tmp/modelgate-hash-bench");
}

std::uint64_t TreeBytes(const fs::path& dir) {
  std::uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

double ProcessCpuSeconds() {
  rusage r;
  getrusage(RUSAGE_SELF, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

void RunCase(benchmark::State& state, const fs::path& model, SerializationMethod method) {
  if (!fs::exists(model)) {
    state.SkipWithError(("missing " + model.string() + ": run bench/make-hash-bench-data").c_str());
    return;
  }
  SerializationOptions o;
  o.method = method;
  o.threads = static_cast<unsigned>(state.range(0));
  (void)BuildManifest(model, o);  // warm the page cache
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    auto m = BuildManifest(model, o);
    if (!m.ok()) {
      state.SkipWithError(m.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(m->resources.data());
  }
  const double cpu = ProcessCpuSeconds() - cpu_start;
  const double bytes = static_cast<double>(state.iterations()) * static_cast<double>(TreeBytes(model));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["cpu_MBps"] = bytes / cpu / 1e6;
}

void BM_Shards_One2GiBFile(benchmark::State& state) {
  RunCase(state, DataDir() / "one-2g", SerializationMethod::kShards);
}
void BM_Files_Eight256MiBFiles(benchmark::State& state) {
  RunCase(state, DataDir() / "eight-256m", SerializationMethod::kFiles);
}

BENCHMARK(BM_Shards_One2GiBFile)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->MinTime(3)->UseRealTime();
BENCHMARK(BM_Files_Eight256MiBFiles)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->MinTime(3)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
