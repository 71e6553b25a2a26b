// AnalyzeGguf: turns what the GGUF reader saw into findings, hands every chat
// template to the Jinja analysis and queues bytes after the tensor data.
//
// Severity policy (docs/formats/gguf.md, "Findings"):
// - The chat templates are where GGUF runs code: llama-cpp-python < 0.2.72
//   rendered tokenizer.chat_template with an unsandboxed jinja2 Environment
//   (CVE-2024-34359). AnalyzeChatTemplate rates them.
// - Parse differentials (duplicate keys or tensor names, overlapping
//   tensors) and counts/lengths beyond our limits are high: some loader sees
//   something the scanner did not, or the file is built to exhaust readers.
// - Files the loaders themselves refuse (bad shapes, misaligned or
//   out-of-range tensors, unknown types, truncation) are medium: damaged or
//   hand-made, nothing runs.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "formats/gguf/ggml_types.h"
#include "formats/gguf/gguf.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

using GgufSpec = FindingSpec;

GgufSpec SpecFor(GgufAnomalyKind k) {
  switch (k) {
    case GgufAnomalyKind::kUnknownVersion:
      return {"GGUF-UNKNOWN-VERSION", Severity::kMedium, "GGUF version no reader knows",
              "llama.cpp and gguf-py read versions 1 to 3 only; the file was not analysed further."};
    case GgufAnomalyKind::kLegacyVersion:
      return {"GGUF-LEGACY-VERSION", Severity::kLow, "GGUF version 1 file",
              "Version 1 (2023) used 32-bit counts; current llama.cpp refuses it, older loaders read it."};
    case GgufAnomalyKind::kTruncated:
      return {"GGUF-TRUNCATED", Severity::kMedium, "GGUF header runs past the end of the file",
              "Loaders fail on this file; it is damaged or was cut short. Nothing after this point was analysed."};
    case GgufAnomalyKind::kAbsurdCount:
      return {"GGUF-ABSURD-COUNT", Severity::kHigh, "GGUF count larger than the file or the scanner's limit",
              "No real model declares this; such counts make naive readers allocate without bound. Nothing after "
              "this point was analysed."};
    case GgufAnomalyKind::kAbsurdLength:
      return {"GGUF-ABSURD-LENGTH", Severity::kHigh, "GGUF string length larger than the file or the limit",
              "No real model declares this; such lengths make naive readers allocate without bound. Nothing after "
              "this point was analysed."};
    case GgufAnomalyKind::kLimitExceeded:
      return {"GGUF-LIMIT", Severity::kHigh, "GGUF arrays beyond the scanner's limits",
              "Arrays nest deeper or hold more elements than the scanner walks; the rest of the file was not "
              "analysed."};
    case GgufAnomalyKind::kUnknownValueType:
      return {"GGUF-UNKNOWN-VALUE-TYPE", Severity::kMedium, "GGUF metadata value of an undefined type",
              "Loaders refuse the file; the size of the value is unknown, so nothing after it was analysed."};
    case GgufAnomalyKind::kNestedArray:
      return {"GGUF-NESTED-ARRAY", Severity::kMedium, "GGUF array of arrays",
              "gguf-py reads nested arrays, llama.cpp refuses them, and no model metadata needs them."};
    case GgufAnomalyKind::kDuplicateKey:
      return {"GGUF-DUPLICATE-KEY", Severity::kHigh, "GGUF metadata key appears twice",
              "llama.cpp refuses the file; other readers keep the first or the last value, so two tools can see "
              "different metadata (a different chat template, say)."};
    case GgufAnomalyKind::kInvalidUtf8:
      return {"GGUF-INVALID-UTF8", Severity::kMedium, "GGUF string that is not valid UTF-8",
              "GGUF strings are UTF-8; readers that decode them fail or substitute characters, so tools may "
              "disagree on the text."};
    case GgufAnomalyKind::kBadAlignment:
      return {"GGUF-BAD-ALIGNMENT", Severity::kMedium, "GGUF general.alignment is invalid",
              "Loaders refuse (or abort on) the file; the default alignment of 32 was assumed."};
    case GgufAnomalyKind::kTooManyDims:
      return {"GGUF-TOO-MANY-DIMS", Severity::kMedium, "GGUF tensor with more than 4 dimensions",
              "ggml tensors have at most 4 dimensions; loaders refuse the file."};
    case GgufAnomalyKind::kBadShape:
      return {"GGUF-BAD-SHAPE", Severity::kMedium, "GGUF tensor shape ggml rejects",
              "Negative or overflowing dimensions, or rows that are not whole blocks; loaders refuse the file."};
    case GgufAnomalyKind::kUnknownTensorType:
      return {"GGUF-UNKNOWN-TENSOR-TYPE", Severity::kMedium, "GGUF tensor of an undefined ggml type",
              "ggml refuses the file; its size, and so the layout after it, is unknown."};
    case GgufAnomalyKind::kRemovedTensorType:
      return {"GGUF-REMOVED-TENSOR-TYPE", Severity::kLow, "GGUF tensor of a type ggml retired",
              "Current llama.cpp no longer reads this type; older builds did."};
    case GgufAnomalyKind::kDuplicateTensor:
      return {"GGUF-DUPLICATE-TENSOR", Severity::kHigh, "GGUF tensor name appears twice",
              "llama.cpp refuses the file; other readers keep one of the two, so tools can load different weights."};
    case GgufAnomalyKind::kTensorNameTooLong:
      return {"GGUF-TENSOR-NAME-TOO-LONG", Severity::kMedium, "GGUF tensor name longer than ggml allows",
              "ggml names hold 63 bytes; llama.cpp refuses the file."};
    case GgufAnomalyKind::kTensorMisaligned:
      return {"GGUF-TENSOR-MISALIGNED", Severity::kMedium, "GGUF tensor offset not aligned",
              "Writers align every tensor; llama.cpp refuses the file."};
    case GgufAnomalyKind::kTensorOutOfRange:
      return {"GGUF-TENSOR-OUT-OF-RANGE", Severity::kMedium, "GGUF tensor data extends past the end of the file",
              "Loaders fail on this file; it is damaged or hand-made."};
    case GgufAnomalyKind::kTensorOverlap:
      return {"GGUF-TENSOR-OVERLAP", Severity::kHigh, "GGUF tensors share bytes",
              "No writer produces overlapping tensors; readers that accept arbitrary offsets (gguf-py) load "
              "aliased weights while llama.cpp refuses the file."};
    case GgufAnomalyKind::kTensorLayout:
      return {"GGUF-TENSOR-LAYOUT", Severity::kMedium, "GGUF tensors not packed in order",
              "ggml requires each tensor to start where the previous one (padded) ended; llama.cpp refuses the "
              "file, gguf-py reads it."};
    case GgufAnomalyKind::kTrailingData:
      return {"GGUF-TRAILING-DATA", Severity::kMedium, "Bytes follow the GGUF tensor data",
              "Loaders ignore them, so they can carry content another tool reads. They were queued for analysis."};
  }
  return {"GGUF-TRUNCATED", Severity::kMedium, "GGUF file could not be read", ""};
}

bool IsChatTemplateKey(const std::string& key) {
  static const std::string kKey = "tokenizer.chat_template";
  return key == kKey || key.compare(0, kKey.size() + 1, kKey + ".") == 0;
}

// Tokenizer vocabularies of some models (RWKV, byte-level exports) hold raw
// bytes: invalid UTF-8 there is a fact, not a warning.
bool IsVocabularyKey(const std::string& key) {
  return key == "tokenizer.ggml.tokens" || key == "tokenizer.ggml.merges";
}

std::string TensorTypeSummary(const GgufFile& f) {
  std::map<std::string, std::uint64_t> counts;
  for (const GgufTensorInfo& t : f.tensors) {
    const GgmlTypeInfo* ti = FindGgmlType(t.type);
    ++counts[ti ? std::string(ti->name) : "type " + std::to_string(t.type)];
  }
  std::string out;
  for (const auto& [name, n] : counts) out += (out.empty() ? "" : ", ") + name + " x" + std::to_string(n);
  return out;
}

}  // namespace

void AnalyzeGguf(const Blob& blob, ScanContext& ctx) {
  Result<GgufFile> r = ReadGguf(blob.bytes, ctx.limits());
  if (!r.ok()) {
    ctx.Report("GGUF-TRUNCATED", Severity::kMedium, "GGUF preamble is damaged", blob.member, 0,
               r.status().message() + ". Loaders fail on this file.");
    return;
  }
  const GgufFile& f = r.value();
  std::vector<std::pair<std::string, std::string>> base = {{"version", std::to_string(f.version)}};
  if (f.big_endian) base.emplace_back("byte_order", "big-endian");

  for (const GgufAnomaly& a : f.anomalies) {
    GgufSpec s = SpecFor(a.kind);
    Severity sev = s.severity;
    if (a.kind == GgufAnomalyKind::kInvalidUtf8) {
      for (const GgufKv& kv : f.kvs) {
        if (a.offset < kv.offset || a.offset >= kv.value_end) continue;
        if (IsVocabularyKey(kv.key)) sev = Severity::kLow;
        // A template whose text tools decode differently may hide what it does.
        if (IsChatTemplateKey(kv.key)) sev = Severity::kHigh;
      }
    }
    auto ev = base;
    ev.emplace_back("problem", a.detail);
    ctx.Report(s.id, sev, s.title, blob.member, a.offset, a.detail + ". " + s.why, std::move(ev));
  }

  // Chat templates: every string under tokenizer.chat_template(.*).
  std::uint32_t templates = 0;
  for (const GgufKv& kv : f.kvs) {
    if (!IsChatTemplateKey(kv.key)) continue;
    for (std::string_view text : kv.strings) {
      if (++templates > ctx.limits().max_chat_templates_per_file) break;
      AnalyzeChatTemplate(text, blob, "GGUF " + kv.key, ctx);
    }
  }
  if (templates > ctx.limits().max_chat_templates_per_file) {
    ctx.Report("GGUF-LIMIT", Severity::kHigh, "GGUF file holds more chat templates than the scanner analyses",
               blob.member, std::nullopt,
               std::to_string(templates) + " template strings; only the first " +
                   std::to_string(ctx.limits().max_chat_templates_per_file) + " were analysed.",
               base);
  }

  if (f.header_complete) {
    auto ev = base;
    std::string arch(f.StringValue("general.architecture"));
    std::string name(f.StringValue("general.name"));
    ev.emplace_back("architecture", arch.empty() ? "(none)" : arch.substr(0, 200));
    ev.emplace_back("name", name.empty() ? "(none)" : name.substr(0, 200));
    ev.emplace_back("tensor_count", std::to_string(f.tensor_count));
    ev.emplace_back("kv_count", std::to_string(f.kv_count));
    ev.emplace_back("alignment", std::to_string(f.alignment));
    ev.emplace_back("data_offset", std::to_string(f.data_offset));
    ev.emplace_back("tensor_types", TensorTypeSummary(f).substr(0, 400));
    ev.emplace_back("chat_templates", std::to_string(templates));
    ctx.Report("GGUF-MODEL-INFO", Severity::kInfo, "GGUF model: " + (arch.empty() ? std::string("?") : arch.substr(0, 80)),
               blob.member, std::nullopt,
               "GGUF v" + std::to_string(f.version) + " model '" + name.substr(0, 200) + "' (architecture " +
                   (arch.empty() ? "unknown" : arch.substr(0, 80)) + ") with " + std::to_string(f.tensor_count) +
                   " tensors and " + std::to_string(f.kv_count) + " metadata keys.",
               std::move(ev));
    if (f.data_end < blob.bytes.size() && f.Has(GgufAnomalyKind::kTrailingData)) {
      ByteView trailing = blob.bytes.subspan(static_cast<std::size_t>(f.data_end));
      ctx.EnqueueChild(blob, "<gguf-trailing-data>", trailing, nullptr);
    }
  }
}

}  // namespace modelgate
