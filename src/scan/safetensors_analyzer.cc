// AnalyzeSafetensors: turns what the safetensors reader saw into findings.
//
// Severity policy (docs/formats/safetensors.md, "Findings"):
// - Loading safetensors never runs code, so nothing here is critical.
// - Parse differentials are high: duplicate keys (Python's json and serde's
//   HashMap keep the last value, first-wins readers the first), two tensor
//   names aliasing the same bytes, bytes no tensor owns that hold another
//   format (they are queued, so a pickle hidden there is analysed by the
//   pickle engine), and limits the scanner hit.
// - What the reference crate refuses (bad JSON, unknown dtype, offsets that
//   do not match the shape, non-string metadata, unowned bytes holding
//   nothing recognisable) is medium: the file is damaged or hand-made, and
//   only a lenient third-party reader would load it.
// - Metadata that contains code or shell commands is medium (nothing loads
//   it as code, but a tool or a person might run it); URLs and very large
//   values are low facts.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/routing/content_type.h"
#include "formats/safetensors/safetensors.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

using Spec = FindingSpec;

Spec SpecFor(SafetensorsAnomalyKind k) {
  using K = SafetensorsAnomalyKind;
  switch (k) {
    case K::kHeaderTruncated:
      return {"SAFETENSORS-HEADER-TRUNCATED", Severity::kMedium, "safetensors header runs past the end of the file",
              "The reference loader refuses the file (InvalidHeaderLength); it is damaged or was cut short."};
    case K::kHeaderOverCrateLimit:
      return {"SAFETENSORS-HEADER-OVER-LIMIT", Severity::kMedium,
              "safetensors header length is over the reference loader's limit",
              "The safetensors crate refuses headers over 100,000,000 bytes (HeaderTooLarge), so the file does not "
              "load; the header was not examined."};
    case K::kHeaderTooLarge:
      return {"SAFETENSORS-HEADER-TOO-LARGE", Severity::kHigh, "safetensors header is larger than the scanner examines",
              "The loader may read a header this long; the scanner did not, so its tensors are unchecked."};
    case K::kDuplicateKey:
      return {"SAFETENSORS-DUPLICATE-KEY", Severity::kHigh, "safetensors header repeats a JSON key",
              "Python's json and serde's HashMap keep the last value, readers built on first-wins JSON parsers the "
              "first: two tools see different tensors or metadata. No safetensors writer produces this."};
    case K::kUnknownField:
      return {"SAFETENSORS-UNKNOWN-FIELD", Severity::kLow, "safetensors tensor entry has an extra key",
              "The reference loader ignores keys other than dtype, shape and data_offsets."};
    case K::kUnknownDtype:
      return {"SAFETENSORS-UNKNOWN-DTYPE", Severity::kMedium, "safetensors dtype the reference loader does not know",
              "The crate refuses the header; the tensor's size could not be checked."};
    case K::kShapeOverflow:
      return {"SAFETENSORS-SHAPE-OVERFLOW", Severity::kMedium, "safetensors shape overflows 64-bit arithmetic",
              "The crate refuses it (ValidationOverflow); readers computing sizes without checks wrap around."};
    case K::kSizeMismatch:
      return {"SAFETENSORS-SIZE-MISMATCH", Severity::kMedium, "safetensors tensor size does not match its shape",
              "The crate refuses it (TensorInvalidInfo); a lenient reader reads the wrong bytes."};
    case K::kBadOffsets:
    case K::kOffsetOutOfBounds:
      return {"SAFETENSORS-BAD-OFFSETS", Severity::kMedium, "safetensors data_offsets are invalid",
              "The crate refuses the file (InvalidOffset); readers that trust the offsets read outside the buffer."};
    case K::kOverlap:
      return {"SAFETENSORS-TENSOR-OVERLAP", Severity::kHigh, "Two safetensors tensors alias the same bytes",
              "The crate refuses it (InvalidOffset: every byte has one owner); lenient readers load both names from "
              "the same bytes. No safetensors writer produces this."};
    case K::kMetadataNotString:
    case K::kMetadataNotObject:
      return {"SAFETENSORS-METADATA-NOT-STRING", Severity::kMedium, "safetensors __metadata__ holds a non-string",
              "The crate only accepts a map of strings and refuses the file; Python readers using json accept it."};
    case K::kTooManyTensors:
      return {"SAFETENSORS-TOO-MANY-TENSORS", Severity::kHigh, "safetensors header lists more tensors than checked",
              "The scanner stopped checking tensors at its limit; the loader reads them all."};
    case K::kGap:
    case K::kTrailingData:
      break;  // handled with the bytes' content in mind
    default:
      break;
  }
  return {"SAFETENSORS-HEADER-INVALID", Severity::kMedium, "safetensors header the reference loader refuses",
          "The crate refuses this header (it must be strict UTF-8 JSON starting with '{', an object of tensor "
          "entries, nested at most 127 deep), so the file does not load; Python's json may still accept it."};
}

constexpr std::array<std::string_view, 21> kCodeNeedles = {
    "__import__", "import os", "import subprocess", "import sys", "os.system", "os.popen", "subprocess.",
    "eval(", "exec(", "compile(", "pickle.loads", "marshal.loads", "b64decode(", "<script", "lambda:",
    "getattr(", "__builtins__", "__reduce__", "child_process", "runtime.getruntime", "system(",
};
constexpr std::array<std::string_view, 16> kShellNeedles = {
    "curl ", "wget ", "bash -c", "sh -c", "| sh", "|sh", "| bash", "rm -rf", "powershell", "chmod +x",
    "nc -e", "/bin/sh", "/bin/bash", "base64 -d", "/dev/tcp/", "$(",
};
constexpr std::array<std::string_view, 4> kUrlNeedles = {"http://", "https://", "ftp://", "file://"};

constexpr std::uint64_t kLargeMetadataBytes = 64u << 10;

std::string Excerpt(std::string_view s, std::size_t at) {
  std::size_t from = at > 60 ? at - 60 : 0;
  std::string out(s.substr(from, 160));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return out;
}

template <std::size_t N>
std::optional<std::pair<std::string_view, std::size_t>> FindAny(const std::string& lower,
                                                                 const std::array<std::string_view, N>& needles) {
  for (std::string_view n : needles) {
    std::size_t at = lower.find(n);
    if (at != std::string::npos) return std::make_pair(n, at);
  }
  return std::nullopt;
}

void CheckMetadata(const SafetensorsFile& f, const Blob& blob, ScanContext& ctx) {
  for (const SafetensorsMetadataEntry& e : f.metadata) {
    if (e.value_bytes > kLargeMetadataBytes) {
      ctx.Report("SAFETENSORS-METADATA-LARGE", Severity::kLow, "Very large safetensors metadata value", blob.member, 8,
                 "__metadata__[\"" + e.key + "\"] is " + std::to_string(e.value_bytes) +
                     " bytes long. Some tools store thumbnails or training logs there; it is not read by loaders.",
                 {{"key", e.key}, {"bytes", std::to_string(e.value_bytes)}});
    }
    std::string lower = e.value;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto code = FindAny(lower, kCodeNeedles);
    auto shell = FindAny(lower, kShellNeedles);
    if (code || shell) {
      auto hit = code ? *code : *shell;
      ctx.Report("SAFETENSORS-METADATA-CODE", Severity::kMedium,
                 std::string("safetensors metadata contains ") + (code ? "code" : "a shell command"), blob.member, 8,
                 "__metadata__[\"" + e.key + "\"] contains \"" + std::string(hit.first) +
                     "\". Loaders never execute metadata, but a tool or a person copying it might; no writer puts "
                     "code there.",
                 {{"key", e.key}, {"pattern", std::string(hit.first)}, {"excerpt", Excerpt(e.value, hit.second)}});
    }
    if (auto url = FindAny(lower, kUrlNeedles)) {
      ctx.Report("SAFETENSORS-METADATA-URL", Severity::kLow, "safetensors metadata contains a URL", blob.member, 8,
                 "__metadata__[\"" + e.key + "\"] contains a URL (licence and model-card links are common).",
                 {{"key", e.key}, {"excerpt", Excerpt(e.value, url->second)}});
    }
  }
}

void ReportUnowned(const SafetensorsFile& f, const Blob& blob, ScanContext& ctx) {
  for (const SafetensorsRegion& r : f.unowned) {
    ByteView bytes = blob.bytes.subspan(static_cast<std::size_t>(r.offset), static_cast<std::size_t>(r.length));
    ContentType type = DetectContentType(bytes, Probe::kFile);
    bool other_format = type != ContentType::kUnknown && type != ContentType::kText && type != ContentType::kEmpty;
    std::string where = r.trailing ? "after the last tensor" : "between tensors";
    std::vector<std::pair<std::string, std::string>> ev = {{"offset", std::to_string(r.offset)},
                                                           {"bytes", std::to_string(r.length)},
                                                           {"content", std::string(ContentTypeName(type))}};
    std::string detail = std::to_string(r.length) + " bytes at file offset " + std::to_string(r.offset) + " (" +
                         where + ") belong to no tensor" +
                         (other_format ? " and look like " + std::string(ContentTypeName(type)) : "") +
                         ". The reference loader refuses such files, but readers that only follow the offsets "
                         "ignore these bytes, so they can carry content another tool reads. They were queued for "
                         "analysis.";
    ctx.Report(r.trailing ? "SAFETENSORS-TRAILING-DATA" : "SAFETENSORS-DATA-GAP",
               other_format ? Severity::kHigh : Severity::kMedium,
               r.trailing ? "Bytes follow the last safetensors tensor" : "safetensors buffer has bytes no tensor owns",
               blob.member, r.offset, detail, std::move(ev));
    std::string name = (r.trailing ? "<safetensors-trailing-data@" : "<safetensors-gap@") + std::to_string(r.offset) + ">";
    ctx.EnqueueChild(blob, name, bytes, nullptr);
  }
}

}  // namespace

void AnalyzeSafetensors(const Blob& blob, ScanContext& ctx) {
  Result<SafetensorsFile> r = ReadSafetensors(blob.bytes, ctx.limits());
  if (!r.ok()) {
    ctx.Report("SAFETENSORS-HEADER-TRUNCATED", Severity::kMedium, "safetensors file is too short", blob.member, 0,
               r.status().message() + ". The loader refuses it.");
    return;
  }
  const SafetensorsFile& f = r.value();
  std::vector<std::pair<std::string, std::string>> base = {{"header_length", std::to_string(f.header_length)},
                                                           {"tensors", std::to_string(f.tensors.size())}};
  for (const SafetensorsAnomaly& a : f.anomalies) {
    if (a.kind == SafetensorsAnomalyKind::kGap || a.kind == SafetensorsAnomalyKind::kTrailingData) continue;
    Spec s = SpecFor(a.kind);
    auto ev = base;
    if (!a.tensor.empty()) ev.emplace_back("tensor", a.tensor.substr(0, 200));
    ev.emplace_back("problem", a.detail.substr(0, 400));
    ctx.Report(s.id, s.severity, s.title, blob.member, a.offset, a.detail.substr(0, 400) + ". " + s.why,
               std::move(ev));
  }
  CheckMetadata(f, blob, ctx);
  ReportUnowned(f, blob, ctx);
  if (f.unrecorded_gaps > 0) {
    ctx.Report("SAFETENSORS-DATA-GAP", Severity::kHigh, "safetensors buffer has more gaps than the scanner queues",
               blob.member, f.data_offset,
               std::to_string(f.unrecorded_gaps) + " further gaps (" + std::to_string(f.unrecorded_gap_bytes) +
                   " bytes) beyond the first " + std::to_string(ctx.limits().max_safetensors_unowned_regions) +
                   " were not analysed; they can hold content another tool reads.",
               {{"gaps", std::to_string(f.unrecorded_gaps)}, {"bytes", std::to_string(f.unrecorded_gap_bytes)}});
  }
}

}  // namespace modelgate
