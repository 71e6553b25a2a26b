// `modelgate bom`: a CycloneDX 1.6 ML-BOM for a model folder or file.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "provenance/bom/cyclonedx.h"
#include "provenance/bom/model_facts.h"

namespace modelgate::cli {

namespace {

struct BomArgs {
  std::string model;
  std::string output;
  bool deterministic = false;
  bool no_scan = false;
  bool allow_symlinks = false;
  unsigned jobs = 0;
};

int RunBom(const BomArgs& args) {
  namespace bom = modelgate::provenance::bom;
  bom::CollectOptions options;
  options.scan = !args.no_scan;
  options.jobs = args.jobs;
  options.allow_symlinks = args.allow_symlinks;
  bom::FactsProgress progress;
  if (::isatty(STDERR_FILENO)) {
    progress = [](std::size_t done, std::size_t total) {
      if (total < 20) return;  // not worth a progress line
      if (done == total || done % 64 == 0) {
        std::fprintf(stderr, "\rread %zu/%zu files", done, total);
        if (done == total) std::fputc('\n', stderr);
      }
    };
  }
  Result<bom::ModelFacts> facts = bom::CollectModelFacts(args.model, options, progress);
  if (!facts.ok()) {
    std::cerr << "modelgate bom: " << facts.status().message() << "\n";
    return kExitUsage;
  }
  bom::BomOptions render;
  render.deterministic = args.deterministic;
  render.tool_version = MODELGATE_VERSION;
  std::string out = bom::RenderCycloneDx(facts.value(), render);
  if (args.output.empty()) {
    std::fwrite(out.data(), 1, out.size(), stdout);
    return std::fflush(stdout) == 0 ? kExitClean : kExitUsage;
  }
  std::ofstream f(args.output, std::ios::binary);
  f << out;
  f.close();
  if (!f) {
    std::cerr << "modelgate bom: cannot write " << args.output << "\n";
    return kExitUsage;
  }
  return kExitClean;
}

}  // namespace

CommandRunner RegisterBom(CLI::App& app) {
  auto args = std::make_shared<BomArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bom",
      "Write a CycloneDX 1.6 ML-BOM for a model folder or file: per-file SHA-256, formats, tensor and\n"
      "parameter counts, architecture (config.json), model card fields, scan results and signature presence.\n"
      "Never executes model content. Exit codes: 0 BOM written; 2 usage error or unreadable path.");
  cmd->add_option("model", args->model, "Model folder or file")->required();
  cmd->add_option("-o,--output", args->output, "Write the BOM to this file instead of stdout");
  cmd->add_flag("--deterministic", args->deterministic,
                "No timestamp; serial number derived from the model's root digest (same model, same bytes)");
  cmd->add_flag("--no-scan", args->no_scan, "Do not run the scanner (no scan:* properties)");
  cmd->add_flag("--allow-symlinks", args->allow_symlinks,
                "Follow symlinks to files (refused otherwise, as `sign` refuses them)");
  cmd->add_option("-j,--jobs", args->jobs, "Files hashed and scanned in parallel (0 = one per core)")
      ->capture_default_str();
  return [args] { return RunBom(*args); };
}

}  // namespace modelgate::cli
