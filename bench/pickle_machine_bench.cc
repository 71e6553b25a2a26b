// Opcode throughput of the symbolic pickle machine on one file (default: the
// benchmark corpus's 10 MB list pickle), excluding process start and I/O.
//   build/bench/pickle_machine_bench [FILE]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "formats/pickle/pickle_machine.h"
#include "modelgate/mapped_file.h"

namespace {

std::string g_path = "/tmp/modelgate-bench/big_list.pkl";

void BM_RunStream(benchmark::State& state) {
  auto file = modelgate::MappedFile::Open(g_path);
  if (!file.ok()) {
    state.SkipWithError(file.status().ToString().c_str());
    return;
  }
  modelgate::ByteView bytes = file.value()->bytes();
  modelgate::Limits limits;
  std::uint64_t ops = 0;
  for (auto _ : state) {
    modelgate::pickle::StreamTrace t = modelgate::pickle::RunStream(bytes, 0, limits);
    ops = t.opcodes;
    benchmark::DoNotOptimize(t.end);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
  state.counters["opcodes"] = static_cast<double>(ops);
  state.counters["opcodes/s"] =
      benchmark::Counter(static_cast<double>(ops), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_RunStream)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && argv[1][0] != '-') {
    g_path = argv[1];
    argv[1] = argv[0];  // drop the path, keep the program name first
    --argc;
    ++argv;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
