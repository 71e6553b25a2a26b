// `modelgate diff BASE CANDIDATE`: weight forensics against the claimed base.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/forensics_output.h"
#include "forensics/diff.h"

namespace modelgate::cli {
namespace {

using forensics::TensorDiff;

struct DiffArgs {
  std::string base;
  std::string candidate;
  std::string tokenizer;
  unsigned jobs = 0;
  bool all_tensors = false;
  std::string spectra = "auto";
  bool progress = false;
  ForensicsOutputOptions output;
};

std::string ShapeText(const std::vector<std::uint64_t>& shape) { return fmt::format("{}", fmt::join(shape, "x")); }

std::string RankText(const TensorDiff& d) {
  if (!d.spectrum) return "-";
  const auto& s = *d.spectrum;
  return s.energy_rank99 == 0 ? fmt::format(">{}", s.singular_values.size()) : std::to_string(s.energy_rank99);
}

Json TensorJson(const TensorDiff& d) {
  Json j = Json::object();
  j["name"] = d.name;
  j["role"] = std::string(forensics::TensorRoleName(d.role));
  j["layer"] = d.layer;
  j["dtype"] = std::string(forensics::DTypeName(d.base_dtype));
  j["candidate_dtype"] = std::string(forensics::DTypeName(d.candidate_dtype));
  j["shape"] = d.shape;
  j["elements"] = d.elements;
  j["changed"] = d.changed;
  j["changed_fraction"] = d.elements ? static_cast<double>(d.changed) / static_cast<double>(d.elements) : 0.0;
  j["relative_change"] = d.relative_change;
  j["max_abs_change"] = d.max_abs_change;
  j["cosine"] = d.cosine;
  j["nonfinite_introduced"] = d.nonfinite_introduced;
  if (d.encoding_bits != 0) {
    Json hist = Json::array();
    for (std::uint32_t b = 0; b < d.encoding_bits; ++b) hist.push_back(d.highest_bit_histogram[b]);
    j["bits"] = {{"encoding_bits", d.encoding_bits},
                 {"highest_changed_bit", d.highest_changed_bit},
                 {"changed_bits_mask", fmt::format("0x{:x}", d.changed_bits_mask)},
                 {"highest_bit_histogram", hist}};
  }
  if (d.rows != 0) {
    Json top = Json::array();
    for (const auto& r : d.top_rows) {
      top.push_back({{"row", r.row}, {"delta_norm", r.delta_norm},
                     {"relative", std::isfinite(r.relative) ? Json(r.relative) : Json(nullptr)}});
    }
    j["rows"] = {{"rows", d.rows}, {"rows_changed", d.rows_changed}, {"median_row_relative", d.median_row_relative},
                 {"top_rows", top}};
  }
  if (d.spectrum) {
    const auto& s = *d.spectrum;
    j["spectrum"] = {{"exact", s.exact},
                     {"singular_values", s.singular_values},
                     {"top1_energy", s.top1_energy},
                     {"stable_rank", s.stable_rank},
                     {"effective_rank", s.effective_rank},
                     {"energy_rank90", s.energy_rank90},
                     {"energy_rank99", s.energy_rank99},
                     {"numerical_rank", s.numerical_rank},
                     {"rank_capped", s.rank_capped}};
  }
  return j;
}

std::string TextTables(const forensics::DiffReport& r, bool all) {
  std::string out = fmt::format("base:      {}\ncandidate: {}\n", r.base, r.candidate);
  out += fmt::format("verdict:   {}\n\n", r.classification.summary);
  std::vector<const TensorDiff*> rows;
  for (const TensorDiff& d : r.tensors) {
    if (all || d.changed > 0) rows.push_back(&d);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const TensorDiff* a, const TensorDiff* b) { return a->relative_change > b->relative_change; });
  const std::size_t limit = all ? rows.size() : 25;
  if (!rows.empty()) {
    out += fmt::format("{:<44} {:<13} {:>11} {:>8} {:>9} {:>9} {:>7} {:>5} {:>4}\n", "tensor", "role", "shape",
                       "changed", "rel|Δ|", "max|Δ|", "top1", "rk99", "bit");
    for (std::size_t i = 0; i < rows.size() && i < limit; ++i) {
      const TensorDiff& d = *rows[i];
      std::string name = d.name.size() > 44 ? "…" + d.name.substr(d.name.size() - 43) : d.name;
      out += fmt::format("{:<44} {:<13} {:>11} {:>7.2f}% {:>9.2e} {:>9.2e} {:>7} {:>5} {:>4}\n", name,
                         forensics::TensorRoleName(d.role), ShapeText(d.shape),
                         d.elements ? 100.0 * static_cast<double>(d.changed) / static_cast<double>(d.elements) : 0.0,
                         d.relative_change, d.max_abs_change,
                         d.spectrum ? fmt::format("{:.3f}", d.spectrum->top1_energy) : std::string("-"), RankText(d),
                         d.highest_changed_bit >= 0 ? std::to_string(d.highest_changed_bit) : std::string("-"));
    }
    if (rows.size() > limit) out += fmt::format("... {} more changed tensors (--all-tensors)\n", rows.size() - limit);
  }
  std::size_t unchanged = 0;
  for (const TensorDiff& d : r.tensors) unchanged += d.changed == 0;
  out += fmt::format("{} tensors compared, {} identical; {:.1f} MB compared in {:.2f} s\n\n", r.tensors.size(),
                     unchanged, static_cast<double>(r.bytes_compared) / 1e6, r.seconds);
  return out;
}

int RunDiff(const DiffArgs& args) {
  forensics::DiffOptions options;
  options.jobs = args.jobs;
  options.tokenizer = args.tokenizer;
  options.spectra = args.spectra == "all"    ? forensics::SpectraMode::kAll
                    : args.spectra == "none" ? forensics::SpectraMode::kNone
                                             : forensics::SpectraMode::kAuto;
  forensics::DiffProgress progress;
  if (args.progress || ::isatty(STDERR_FILENO)) {
    progress = [](std::size_t done, std::size_t total) {
      if (total < 50) return;
      if (done == total || done % 16 == 0) {
        std::fprintf(stderr, "\rcompared %zu/%zu tensors", done, total);
        if (done == total) std::fputc('\n', stderr);
      }
    };
  }
  Result<forensics::DiffReport> report = forensics::DiffModels(args.base, args.candidate, options, progress);
  if (!report.ok()) {
    std::cerr << "modelgate diff: " << report.status().message() << "\n";
    return kExitUsage;
  }
  const forensics::DiffReport& r = report.value();
  Json body = Json::object();
  body["base"] = r.base;
  body["candidate"] = r.candidate;
  body["tokenizer"] = r.tokenizer.empty() ? Json(nullptr) : Json(r.tokenizer);
  body["classification"] = {{"kind", std::string(forensics::ChangeKindName(r.classification.kind))},
                            {"summary", r.classification.summary}};
  Json tensors = Json::array();
  for (const TensorDiff& d : r.tensors) tensors.push_back(TensorJson(d));
  body["tensors"] = std::move(tensors);
  body["only_in_base"] = r.only_in_base;
  body["only_in_candidate"] = r.only_in_candidate;
  Json shapes = Json::array();
  for (const auto& s : r.shape_changes) {
    shapes.push_back({{"name", s.name}, {"base_shape", s.base_shape}, {"candidate_shape", s.candidate_shape}});
  }
  body["shape_changes"] = std::move(shapes);
  body["stats"] = {{"bytes_compared", r.bytes_compared}, {"seconds", r.seconds}};
  return WriteForensicsReport("diff", r.candidate, r.findings, body, TextTables(r, args.all_tensors), args.output);
}

}  // namespace

CommandRunner RegisterDiff(CLI::App& app) {
  auto args = std::make_shared<DiffArgs>();
  CLI::App* cmd = app.add_subcommand(
      "diff",
      "Compare a model with the base it claims to derive from and say what kind of change was made:\n"
      "identical, fine-tune, merged LoRA, low-rank knowledge edit (ROME/MEMIT), a few embedding rows\n"
      "(trigger tokens), or a payload hidden in the low mantissa bits. Never executes model content.\n"
      "Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 usage error or unreadable model.");
  cmd->add_option("base", args->base, "The base model (file or folder: safetensors, PyTorch, GGUF, npy/npz)")
      ->required();
  cmd->add_option("candidate", args->candidate, "The model to check (file or folder)")->required();
  cmd->add_option("--tokenizer", args->tokenizer,
                  "tokenizer.json naming embedding rows (default: the candidate's, else the base's)");
  cmd->add_option("-j,--jobs", args->jobs, "Tensors compared in parallel (0 = one per core)")->capture_default_str();
  cmd->add_option("--spectra", args->spectra,
                  "Spectral analysis of changed matrices: auto (when the verdict needs it), all, none")
      ->check(CLI::IsMember({"auto", "all", "none"}))
      ->capture_default_str();
  cmd->add_flag("--all-tensors", args->all_tensors, "List every compared tensor in the text table");
  cmd->add_flag("--progress", args->progress, "Show progress on stderr even when it is not a terminal");
  AddForensicsOutputOptions(cmd, &args->output);
  return [args] { return RunDiff(*args); };
}

}  // namespace modelgate::cli
