// `modelgate inspect MODEL`: weight forensics without a base model. Parses
// arguments, runs forensics::InspectTensors and prints the per-tensor table
// (text) or the JSON body documented in docs/forensics/inspect.md.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <set>
#include <thread>

#include "cli/commands.h"
#include "cli/forensics_output.h"
#include "forensics/inspect.h"

namespace modelgate::cli {
namespace {

namespace fx = modelgate::forensics;

struct InspectArgs {
  std::string model;
  unsigned jobs = 0;
  bool all_tensors = false;
  std::size_t rows = 20;
  ForensicsOutputOptions output;
};

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string General(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string Shape(const std::vector<std::uint64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

Json LanesJson(const fx::TensorStats& t) {
  Json lanes = Json::array();
  for (const fx::LaneStats& l : t.lanes) {
    lanes.push_back({{"entropy_bits", l.entropy_bits}, {"chi_square", l.chi_square},
                     {"printable_fraction", l.printable_fraction}, {"zlib_ratio", l.zlib_ratio}});
  }
  return lanes;
}

Json TensorJson(const fx::TensorStats& t) {
  Json j = {{"name", t.name}, {"dtype", std::string(fx::DTypeName(t.dtype))}, {"shape", t.shape},
            {"elements", t.elements}, {"analysed", t.analysed}};
  if (!t.analysed) {
    j["problem"] = t.problem;
    return j;
  }
  j["values"] = {{"finite", t.finite}, {"nan", t.nan}, {"pos_inf", t.pos_inf}, {"neg_inf", t.neg_inf},
                 {"zeros", t.zeros}, {"mean", t.mean}, {"std", t.stddev}, {"min", t.min}, {"max", t.max},
                 {"excess_kurtosis", t.excess_kurtosis}, {"above_1e4", t.huge}};
  if (!t.lanes.empty()) {
    j["byte_lanes"] = LanesJson(t);
    j["exponent"] = {{"min", t.exponent_min}, {"p50", t.exponent_p50}, {"p99_99", t.exponent_p9999},
                     {"max", t.exponent_max}, {"mode_share", t.exponent_mode_share},
                     {"pair_imbalance", t.exponent_pair_imbalance},
                     {"pair_imbalance_random", t.exponent_pair_imbalance_random}};
  }
  if (t.dtype == fx::DType::kF32) {
    j["low16"] = {{"nonzero_values", t.nonzero}, {"low16_zero", t.nonzero_low16_zero},
                  {"first_low16_set", t.first_low16_set}};
  }
  return j;
}

Json ModelJson(const fx::InspectReport& r) {
  Json streams = Json::array();
  for (const fx::LaneStream& s : r.streams) {
    Json magics = Json::object();
    for (std::size_t i = 0; i < fx::kSignatureCount; ++i) {
      auto sig = static_cast<fx::Signature>(i);
      if (fx::SignatureMagicBytes(sig) == 0) continue;
      magics[std::string(fx::SignatureName(sig))] = {{"raw_hits", s.raw.hits[i]},
                                                    {"expected_by_chance", s.ExpectedChance(sig)}};
    }
    streams.push_back({{"lanes", s.lanes}, {"positions", s.positions}, {"magics", magics}});
  }
  return {{"tensors", r.tensors.size()},
          {"bytes_analysed", r.bytes_analysed},
          {"problems", r.problems.size()},
          {"bf16_stored_as_f32", r.bf16_stored_as_f32},
          {"f32_nonzero_values", r.f32_nonzero},
          {"f32_low16_zero_values", r.f32_nonzero_low16_zero},
          {"signature_hits", r.hits.size() + r.hits_dropped},
          {"low_byte_streams", streams}};
}

std::string Table(const fx::InspectReport& r, const std::vector<Finding>& findings, const InspectArgs& args) {
  std::set<std::string> named;
  for (const Finding& f : findings) {
    if (!f.member.empty() && f.severity > Severity::kInfo) named.insert(f.member);
  }
  // Tensors named by a finding first, then the largest; file order within each.
  std::vector<std::size_t> order(r.tensors.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    bool na = named.count(r.tensors[a].name) > 0, nb = named.count(r.tensors[b].name) > 0;
    if (na != nb) return na;
    return r.tensors[a].elements > r.tensors[b].elements;
  });
  std::size_t rows = args.all_tensors ? order.size() : std::min(order.size(), args.rows);
  order.resize(rows);
  std::sort(order.begin(), order.end());
  std::vector<std::vector<std::string>> cells = {{"tensor", "dtype", "shape", "mean", "std", "kurtosis",
                                                   "entropy bits (byte 0..n)", "low16 zero %", "nan/inf"}};
  for (std::size_t i : order) {
    const fx::TensorStats& t = r.tensors[i];
    std::vector<std::string> row = {t.name, std::string(fx::DTypeName(t.dtype)), Shape(t.shape)};
    if (!t.analysed) {
      row.push_back("not inspected: " + t.problem);
      cells.push_back(std::move(row));
      continue;
    }
    std::string lanes;
    for (const fx::LaneStats& l : t.lanes) lanes += (lanes.empty() ? "" : " ") + Fixed(l.entropy_bits, 2);
    row.insert(row.end(), {General(t.mean), General(t.stddev), General(t.excess_kurtosis), lanes.empty() ? "-" : lanes,
                           t.dtype == fx::DType::kF32 && t.nonzero > 0
                               ? Fixed(100.0 * static_cast<double>(t.nonzero_low16_zero) /
                                           static_cast<double>(t.nonzero), 2)
                               : "-",
                           std::to_string(t.nan) + "/" + std::to_string(t.pos_inf + t.neg_inf)});
    cells.push_back(std::move(row));
  }
  std::vector<std::size_t> width;
  for (const auto& row : cells) {
    for (std::size_t c = 0; c + 1 < row.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], row[c].size());
    }
  }
  std::string out;
  for (const auto& row : cells) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      out += row[c];
      if (c + 1 < row.size()) out += std::string(width[c] - row[c].size() + 2, ' ');
    }
    out += "\n";
  }
  if (rows < r.tensors.size()) {
    out += "(" + std::to_string(r.tensors.size() - rows) + " more tensors; --all-tensors lists them)\n";
  }
  out += std::to_string(r.tensors.size()) + " tensors, " + std::to_string(r.bytes_analysed) + " bytes inspected";
  if (r.bf16_stored_as_f32) out += ", bf16 values stored as f32";
  return out + "\n\n";
}

int RunInspect(const InspectArgs& args) {
  Limits limits;
  Result<std::unique_ptr<fx::TensorSource>> source = fx::OpenTensors(args.model, limits);
  if (!source.ok()) {
    std::cerr << "modelgate inspect: " << args.model << ": " << source.status().message() << "\n";
    return kExitUsage;
  }
  unsigned jobs = args.jobs != 0 ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
  fx::InspectReport report = fx::InspectTensors(*source.value(), fx::InspectOptions::FromLimits(limits, jobs));
  std::vector<Finding> findings = fx::InspectFindings(report, args.model);
  Json tensors = Json::array();
  for (const fx::TensorStats& t : report.tensors) tensors.push_back(TensorJson(t));
  Json body = {{"model", args.model}, {"tensors", std::move(tensors)}, {"model_stats", ModelJson(report)}};
  std::string table = args.output.format == "text" ? Table(report, findings, args) : std::string();
  return WriteForensicsReport("inspect", args.model, std::move(findings), body, table, args.output);
}

}  // namespace

CommandRunner RegisterInspect(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand(
      "inspect",
      "Weight forensics without a base model: value and byte statistics of every tensor, files hidden in the\n"
      "low bytes of the weights, bf16-stored weights with extra bits, NaN/Inf and outliers.\n"
      "Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 usage error or unreadable path.");
  cmd->add_option("model", args->model, "Model file or folder")->required();
  cmd->add_option("-j,--jobs", args->jobs, "Worker threads (0: one per core)")->capture_default_str();
  cmd->add_flag("--all-tensors", args->all_tensors, "List every tensor in the text table (default: 20 rows)");
  AddForensicsOutputOptions(cmd, &args->output);
  return [args] { return RunInspect(*args); };
}

}  // namespace modelgate::cli
