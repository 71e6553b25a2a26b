// AnalyzeOnnx: turns what the ONNX reader saw into findings.
//
// Severity policy (docs/formats/onnx.md, "Findings"):
// - critical: external data that makes onnx.load / onnxruntime read a file
//   outside the model's folder with default settings (CVE-2022-25882,
//   CVE-2024-27318; symlinks: CVE-2026-27489): `..` components, absolute
//   paths (POSIX, drive letters, UNC), or, for a model on disk, a location
//   that resolves outside the folder.
// - high: PyOp (onnxruntime's language-interop operator names a Python
//   module and function to run; it needs an onnxruntime built with
//   language-interop ops), and limits the scanner hit.
// - medium: operators from custom domains (they need a custom-op library the
//   user registers, which then runs native code), operators a standard
//   domain does not define, opsets and IR versions out of range, odd paths
//   and ranges in external data, parse failures (the runtimes refuse the
//   file as well).
// - low: com.microsoft operators (onnxruntime's built-in contrib set),
//   external data that is missing; info: the model's producer, IR version
//   and opsets, and each external data file it reads.
#include <cctype>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "formats/onnx/onnx.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

namespace fs = std::filesystem;

using Evidence = std::vector<std::pair<std::string, std::string>>;

std::string Printable(std::string_view s, std::size_t max = 200) {
  std::string out;
  for (char c : s.substr(0, max)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

// Path components split on both separators (Windows runtimes accept either).
std::vector<std::string> Components(std::string_view p) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : p) {
    if (c == '/' || c == '\\') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool IsAbsoluteAnywhere(std::string_view p) {
  if (!p.empty() && (p[0] == '/' || p[0] == '\\')) return true;
  return p.size() >= 2 && std::isalpha(static_cast<unsigned char>(p[0])) && p[1] == ':';
}

// A decimal integer as Python's int() reads it (sign, digits, surrounding spaces).
std::optional<long double> ParseIntLoose(const std::string& s) {
  std::size_t i = 0, n = s.size();
  while (i < n && s[i] == ' ') ++i;
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  if (i == n || !std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  long double v = 0;
  for (; i < n && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '_'); ++i) {
    if (s[i] != '_') v = v * 10 + (s[i] - '0');
  }
  while (i < n && s[i] == ' ') ++i;
  if (i != n) return std::nullopt;
  return neg ? -v : v;
}

constexpr long double kAbsurdExternalBytes = 1ull << 44;  // 16 TiB

void CheckExternal(const OnnxModel& m, const Blob& blob, ScanContext& ctx) {
  bool on_disk = blob.member.empty() && !ctx.path().empty();
  fs::path base = on_disk ? fs::path(ctx.path()).parent_path() : fs::path();
  if (on_disk && base.empty()) base = ".";
  std::set<std::string> seen_locations;
  for (const OnnxExternalRef& r : m.external) {
    Evidence ev = {{"tensor", Printable(r.tensor)}, {"where", r.where}, {"location", Printable(r.location, 300)}};
    if (r.offset) ev.emplace_back("offset", Printable(*r.offset, 40));
    if (r.length) ev.emplace_back("length", Printable(*r.length, 40));
    if (!r.has_location || r.location.empty()) {
      ctx.Report("ONNX-EXTERNAL-DATA-ODD-PATH", Severity::kMedium, "ONNX external data without a location",
                 blob.member, std::nullopt,
                 "Tensor \"" + Printable(r.tensor) + "\" is stored externally but names no file; loaders fail.", ev);
      continue;
    }
    const std::string& loc = r.location;
    // C and C++ runtimes stop at a NUL; Python's open() refuses it. The path
    // is judged as the C view sees it (a NUL is reported below as odd).
    std::string c_view = loc.substr(0, loc.find('\0'));
    std::vector<std::string> parts = Components(c_view);
    bool dotdot = false;
    for (const std::string& c : parts) dotdot |= c == "..";
    bool absolute = IsAbsoluteAnywhere(c_view);
    if (dotdot || absolute) {
      ctx.Report("ONNX-EXTERNAL-DATA-PATH-TRAVERSAL", Severity::kCritical,
                 "ONNX external data points outside the model's folder", blob.member, std::nullopt,
                 "Tensor \"" + Printable(r.tensor) + "\" reads its bytes from \"" + Printable(loc, 300) + "\" (" +
                     (absolute ? "an absolute path" : "a path with '..'") +
                     "). onnx.load (load_external_data=True is the default) before 1.16 and runtimes that join the "
                     "path without checks read that file into the tensor, exposing any file the process can read "
                     "(CVE-2022-25882, CVE-2024-27318).",
                 ev);
      continue;
    }
    bool odd = loc.find('\\') != std::string::npos || loc.find('\0') != std::string::npos;
    for (char c : loc) odd |= static_cast<unsigned char>(c) < 0x20;
    if (odd) {
      ctx.Report("ONNX-EXTERNAL-DATA-ODD-PATH", Severity::kMedium, "ONNX external data path has unusual characters",
                 blob.member, std::nullopt,
                 "The location \"" + Printable(loc, 300) +
                     "\" contains backslashes, NUL or control characters: Windows and POSIX resolve it differently, "
                     "and a NUL truncates it in C APIs. Writers produce plain relative names.",
                 ev);
    }
    for (const auto& [name, value] : {std::pair{"offset", r.offset}, std::pair{"length", r.length}}) {
      if (!value) continue;
      std::optional<long double> v = ParseIntLoose(*value);
      if (!v || *v < 0 || *v > kAbsurdExternalBytes) {
        ctx.Report("ONNX-EXTERNAL-DATA-BAD-RANGE", Severity::kMedium, "ONNX external data range is invalid",
                   blob.member, std::nullopt,
                   std::string("The ") + name + " of tensor \"" + Printable(r.tensor) + "\" is \"" +
                       Printable(*value, 40) + "\": not a non-negative byte count a real file has.",
                   ev);
      }
    }
    if (!seen_locations.insert(loc).second) continue;
    if (!on_disk) {
      ctx.Report("ONNX-EXTERNAL-DATA", Severity::kInfo, "ONNX model reads tensor data from an external file",
                 blob.member, std::nullopt,
                 "The model names \"" + Printable(loc, 300) + "\" beside it; that file was not examined from here.",
                 ev);
      continue;
    }
    // A model on disk: resolve the location the way the loader would.
    std::error_code ec;
    fs::path cur = base;
    bool through_symlink = false;
    for (const std::string& c : parts) {
      if (c == ".") continue;
      cur /= c;
      if (fs::is_symlink(fs::symlink_status(cur, ec))) through_symlink = true;
    }
    bool exists = fs::exists(cur, ec);
    fs::path real_base = fs::weakly_canonical(base, ec);
    fs::path real = fs::weakly_canonical(cur, ec);
    auto rel = real.lexically_relative(real_base);
    bool outside = !ec && (rel.empty() || *rel.begin() == "..");
    ev.emplace_back("resolves_to", real.string().substr(0, 300));
    if (outside) {
      ctx.Report("ONNX-EXTERNAL-DATA-PATH-TRAVERSAL", Severity::kCritical,
                 "ONNX external data resolves outside the model's folder", blob.member, std::nullopt,
                 "Tensor \"" + Printable(r.tensor) + "\" reads \"" + Printable(loc, 300) + "\", which resolves to " +
                     real.string().substr(0, 300) + (through_symlink ? " through a symbolic link" : "") +
                     ". Loading the model reads that file into the tensor (symlink variant of CVE-2022-25882; "
                     "CVE-2026-27489).",
                 ev);
    } else if (through_symlink) {
      ctx.Report("ONNX-EXTERNAL-DATA-SYMLINK", Severity::kMedium, "ONNX external data is reached through a symlink",
                 blob.member, std::nullopt,
                 "\"" + Printable(loc, 300) + "\" passes through a symbolic link (it stays inside the folder now, "
                 "but the link can be retargeted after scanning). Recent onnx versions refuse symlinked data.",
                 ev);
    } else if (!exists) {
      ctx.Report("ONNX-EXTERNAL-DATA-MISSING", Severity::kLow, "ONNX external data file is missing", blob.member,
                 std::nullopt, "\"" + Printable(loc, 300) + "\" does not exist beside the model; loading fails.", ev);
    } else {
      ctx.Report("ONNX-EXTERNAL-DATA", Severity::kInfo, "ONNX model reads tensor data from an external file",
                 blob.member, std::nullopt,
                 "Tensor data comes from \"" + Printable(loc, 300) + "\" inside the model's folder.", ev);
    }
  }
}

void CheckOps(const OnnxModel& m, const Blob& blob, ScanContext& ctx) {
  for (const OnnxOpUse& u : m.ops) {
    if (u.local_function) continue;  // defined in the model itself
    Evidence ev = {{"domain", Printable(u.domain)},
                   {"op_type", Printable(u.op_type)},
                   {"count", std::to_string(u.count)},
                   {"first", u.first_where}};
    std::string op = "\"" + Printable(u.domain.empty() ? "ai.onnx" : u.domain) + "::" + Printable(u.op_type) + "\"";
    if (IsStandardOnnxDomain(u.domain)) {
      if (!IsKnownOnnxOp(u.domain, u.op_type) && u.op_type != "PyOp") {
        ctx.Report("ONNX-UNKNOWN-OP", Severity::kMedium, "ONNX operator not defined by its standard domain",
                   blob.member, std::nullopt,
                   op + " (" + std::to_string(u.count) +
                       " nodes) is not an operator of that ONNX domain: standard runtimes refuse the model unless a "
                       "custom-op library registers it there.",
                   ev);
      }
    } else if (u.domain == "com.microsoft" || u.domain.rfind("com.microsoft.", 0) == 0) {
      ctx.Report("ONNX-CONTRIB-OP", Severity::kLow, "ONNX model uses onnxruntime contrib operators", blob.member,
                 std::nullopt,
                 op + " (" + std::to_string(u.count) +
                     " nodes) is from onnxruntime's built-in com.microsoft set (fused attention, quantisation ...); "
                     "the model only runs on onnxruntime.",
                 ev);
    } else if (u.op_type != "PyOp") {
      bool extensions = u.domain == "ai.onnx.contrib";
      ctx.Report("ONNX-CUSTOM-OP", Severity::kMedium, "ONNX operator from a custom domain", blob.member,
                 std::nullopt,
                 op + " (" + std::to_string(u.count) + " nodes) needs a custom-op library registered by the caller" +
                     (extensions ? " (ai.onnx.contrib is onnxruntime-extensions' domain, where PyCustomOp binds "
                                   "operators to Python functions the loading program defines)"
                                 : "") +
                     "; that library's native code runs on the model's inputs.",
                 ev);
    }
  }
  for (const OnnxPyOp& p : m.pyops) {
    ctx.Report("ONNX-PYOP", Severity::kHigh, "ONNX PyOp node names Python code to run", blob.member, std::nullopt,
               "A PyOp node (onnxruntime language-interop operator) imports module \"" + Printable(p.module) +
                   "\" and calls " + Printable(p.class_name) + "." + Printable(p.compute) +
                   " when the model runs on an onnxruntime built with language-interop ops. No exporter writes it.",
               {{"where", p.where},
                {"domain", Printable(p.domain)},
                {"module", Printable(p.module)},
                {"class_name", Printable(p.class_name)},
                {"compute", Printable(p.compute)}});
  }
}

void CheckVersions(const OnnxModel& m, const Blob& blob, ScanContext& ctx) {
  if (!m.has_ir_version || m.ir_version < 1 || m.ir_version > kMaxKnownIrVersion) {
    ctx.Report("ONNX-VERSION-RANGE", Severity::kMedium, "ONNX IR version is missing or out of range", blob.member,
               std::nullopt,
               "ir_version " + (m.has_ir_version ? std::to_string(m.ir_version) : std::string("missing")) +
                   ": released ONNX versions define 1.." + std::to_string(kMaxKnownIrVersion) +
                   "; the checker and runtimes refuse other values.",
               {{"ir_version", std::to_string(m.ir_version)}});
  }
  for (const OnnxOpset& o : m.opsets) {
    std::int64_t max = 0;
    if (o.domain.empty() || o.domain == "ai.onnx") max = kMaxKnownOnnxOpset;
    if (o.domain == "ai.onnx.ml") max = kMaxKnownOnnxMlOpset;
    if (o.version < 1 || (max > 0 && o.version > max)) {
      ctx.Report("ONNX-VERSION-RANGE", Severity::kMedium, "ONNX opset version out of range", blob.member,
                 std::nullopt,
                 "opset_import " + Printable(o.domain.empty() ? "ai.onnx" : o.domain) + " version " +
                     std::to_string(o.version) + " does not exist" +
                     (max > 0 ? " (newest known: " + std::to_string(max) + ")" : "") + "; runtimes refuse it.",
                 {{"domain", Printable(o.domain)}, {"version", std::to_string(o.version)}});
    }
  }
}

}  // namespace

void AnalyzeOnnx(const Blob& blob, ScanContext& ctx) {
  Result<OnnxModel> r = ReadOnnx(blob.bytes, ctx.limits());
  if (!r.ok()) {
    ctx.Report("ONNX-PARSE-ERROR", Severity::kMedium, "ONNX model cannot be parsed", blob.member, 0,
               r.status().message());
    return;
  }
  const OnnxModel& m = r.value();
  for (const OnnxAnomaly& a : m.anomalies) {
    Evidence ev = {{"problem", a.detail}, {"bytes", std::to_string(blob.bytes.size())}};
    switch (a.kind) {
      case OnnxAnomalyKind::kParseError:
        ctx.Report("ONNX-PARSE-ERROR", Severity::kMedium, "ONNX model cannot be parsed", blob.member, a.offset,
                   a.detail + ". onnx.load and onnxruntime use the same protobuf parser and refuse it too; the file "
                              "is damaged, truncated or not ONNX.",
                   ev);
        break;
      case OnnxAnomalyKind::kTooLarge:
        ctx.Report("ONNX-TOO-LARGE", blob.bytes.size() > INT32_MAX ? Severity::kMedium : Severity::kHigh,
                   "ONNX model is larger than the scanner parses", blob.member, 0,
                   a.detail + ". Nothing in it was examined.", ev);
        break;
      case OnnxAnomalyKind::kNestingTooDeep:
        ctx.Report("ONNX-GRAPH-TOO-DEEP", Severity::kHigh, "ONNX subgraphs nest deeper than the scanner reads",
                   blob.member, 0,
                   a.detail + ". Protobuf's default recursion limit (100) makes onnx.load and onnxruntime refuse "
                              "it too, but a loader built with a larger limit reads what the scanner could not.",
                   ev);
        break;
      case OnnxAnomalyKind::kGraphTooDeep:
        ctx.Report("ONNX-GRAPH-TOO-DEEP", Severity::kHigh, "ONNX subgraphs nest deeper than the scanner walks",
                   blob.member, 0, a.detail + ". The runtime executes those graphs; the scanner did not read them.",
                   ev);
        break;
      case OnnxAnomalyKind::kTooManyNodes:
        ctx.Report("ONNX-TOO-MANY-NODES", Severity::kHigh, "ONNX model has more nodes than the scanner walks",
                   blob.member, 0, a.detail + ".", ev);
        break;
    }
  }
  if (!m.parsed) return;
  std::string opsets;
  for (const OnnxOpset& o : m.opsets) {
    opsets += (opsets.empty() ? "" : ", ") + Printable(o.domain.empty() ? "ai.onnx" : o.domain, 60) + " " +
              std::to_string(o.version);
  }
  ctx.Report("ONNX-MODEL-INFO", Severity::kInfo, "ONNX model", blob.member, std::nullopt,
             "Produced by " + (m.producer_name.empty() ? std::string("(unnamed)") : Printable(m.producer_name)) + " " +
                 Printable(m.producer_version) + ", IR version " + std::to_string(m.ir_version) + ", opsets " +
                 (opsets.empty() ? "(none)" : opsets) + "; " + std::to_string(m.nodes) + " nodes in " +
                 std::to_string(m.graphs) + " graphs, " + std::to_string(m.functions.size()) + " local functions.",
             {{"producer_name", Printable(m.producer_name)},
              {"producer_version", Printable(m.producer_version)},
              {"ir_version", std::to_string(m.ir_version)},
              {"opsets", opsets},
              {"nodes", std::to_string(m.nodes)},
              {"graphs", std::to_string(m.graphs)},
              {"max_subgraph_depth", std::to_string(m.max_graph_depth)}});
  CheckVersions(m, blob, ctx);
  CheckOps(m, blob, ctx);
  CheckExternal(m, blob, ctx);
}

}  // namespace modelgate
