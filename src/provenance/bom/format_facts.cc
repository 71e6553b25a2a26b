// Per-file facts for the bill of materials: route the bytes by content and
// ask that format's bounded reader what it declares. Counts are taken from
// headers only (safetensors JSON header, GGUF tensor infos, ONNX initializer
// dims, the .npy header dict); tensor bytes are never interpreted.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "formats/gguf/gguf.h"
#include "formats/gguf/ggml_types.h"
#include "formats/npy/npy.h"
#include "formats/onnx/onnx.h"
#include "formats/routing/content_type.h"
#include "formats/safetensors/safetensors.h"
#include "provenance/bom/model_facts.h"

namespace modelgate::provenance::bom {
namespace {

constexpr std::size_t kMaxFactValue = 256;

// Values from hostile files end up in the BOM: keep them short.
std::string Clip(std::string_view s) {
  if (s.size() <= kMaxFactValue) return std::string(s);
  return std::string(s.substr(0, kMaxFactValue)) + "...";
}

// Adds n to the running total; nullopt stays nullopt and overflow makes it so.
void AddCount(std::optional<std::uint64_t>* total, std::optional<std::uint64_t> n) {
  if (!*total) return;
  if (!n || **total > UINT64_MAX - *n) {
    total->reset();
    return;
  }
  **total += *n;
}

void SafetensorsFacts(ByteView bytes, const Limits& limits, FileFacts* file) {
  Result<SafetensorsFile> r = ReadSafetensors(bytes, limits);
  if (!r.ok() || !r.value().header_parsed) {
    file->tensors.unknown_reason = "safetensors header not readable";
    return;
  }
  const SafetensorsFile& f = r.value();
  TensorFacts& t = file->tensors;
  std::set<std::string> dtypes;
  t.parameters = 0;
  for (const SafetensorsTensor& tensor : f.tensors) {
    ++t.tensors;
    dtypes.insert(Clip(tensor.dtype));
    AddCount(&t.parameters, tensor.element_count);
  }
  t.dtypes.assign(dtypes.begin(), dtypes.end());
  t.known = true;
  if (f.Has(SafetensorsAnomalyKind::kTooManyTensors)) {
    t.parameters.reset();
    file->format_facts.emplace_back("safetensors:tensor-list", "incomplete (over the reader's tensor limit)");
  }
  if (!f.CrateAccepts()) file->format_facts.emplace_back("safetensors:loads", "false (the reference crate refuses it)");
  for (const SafetensorsMetadataEntry& m : f.metadata) {
    if (m.key == "format" && m.is_string) file->format_facts.emplace_back("safetensors:metadata:format", Clip(m.value));
  }
}

void GgufFacts(ByteView bytes, const Limits& limits, FileFacts* file) {
  Result<GgufFile> r = ReadGguf(bytes, limits);
  if (!r.ok()) {
    file->tensors.unknown_reason = "GGUF header not readable";
    return;
  }
  const GgufFile& f = r.value();
  file->format_facts.emplace_back("gguf:version", std::to_string(f.version));
  // The general.* keys a model card would hold (gguf docs, "General metadata").
  static constexpr const char* kKeys[] = {"general.architecture", "general.name",     "general.basename",
                                          "general.size_label",   "general.license",  "general.organization",
                                          "general.finetune",     "general.url",      "general.repo_url",
                                          "general.source.url",   "general.quantized_by"};
  for (const char* key : kKeys) {
    std::string_view v = f.StringValue(key);
    if (!v.empty()) file->format_facts.emplace_back("gguf:" + std::string(key).substr(8), Clip(v));
  }
  if (const GgufKv* ft = f.Find("general.file_type"); ft != nullptr && ft->type == static_cast<std::uint32_t>(GgufValueType::kUint32)) {
    file->format_facts.emplace_back("gguf:file_type", std::to_string(ft->u64));
  }
  if (!f.header_complete) {
    file->tensors.unknown_reason = "GGUF tensor infos not completely readable";
    return;
  }
  TensorFacts& t = file->tensors;
  std::set<std::string> dtypes;
  t.parameters = 0;
  for (const GgufTensorInfo& info : f.tensors) {
    ++t.tensors;
    const GgmlTypeInfo* type = FindGgmlType(info.type);
    dtypes.insert(type != nullptr ? std::string(type->name) : "type " + std::to_string(info.type));
    AddCount(&t.parameters, info.element_count);
  }
  t.dtypes.assign(dtypes.begin(), dtypes.end());
  t.known = true;
}

std::string DescribeValue(const OnnxValueInfo& v) {
  std::string s = Clip(v.name) + ": tensor(" + (v.elem_type.empty() ? "?" : v.elem_type) + ")";
  if (v.has_shape) {
    s += "[";
    for (std::size_t i = 0; i < v.shape.size(); ++i) s += (i ? "," : "") + v.shape[i];
    s += "]";
  }
  return s;
}

void OnnxFacts(ByteView bytes, const Limits& limits, FileFacts* file) {
  Result<OnnxModel> r = ReadOnnx(bytes, limits);
  if (!r.ok() || !r.value().parsed) {
    file->tensors.unknown_reason = "ONNX model not parseable";
    return;
  }
  const OnnxModel& m = r.value();
  TensorFacts& t = file->tensors;
  t.known = true;
  t.tensors = m.initializers;
  t.parameters = m.initializer_elements;
  t.dtypes = m.initializer_types;
  if (!m.producer_name.empty()) {
    file->format_facts.emplace_back(
        "onnx:producer", Clip(m.producer_name + (m.producer_version.empty() ? "" : " " + m.producer_version)));
  }
  if (m.has_ir_version) file->format_facts.emplace_back("onnx:ir-version", std::to_string(m.ir_version));
  std::string opsets;
  for (const OnnxOpset& o : m.opsets) {
    if (opsets.size() > kMaxFactValue) break;
    opsets += (opsets.empty() ? "" : ",") + (o.domain.empty() ? std::string("ai.onnx") : Clip(o.domain)) + "=" +
              std::to_string(o.version);
  }
  if (!opsets.empty()) file->format_facts.emplace_back("onnx:opsets", opsets);
  if (!m.external.empty()) {
    file->format_facts.emplace_back("onnx:external-tensors", std::to_string(m.external.size()));
  }
  for (const OnnxValueInfo& v : m.inputs) file->onnx_inputs.push_back(DescribeValue(v));
  for (const OnnxValueInfo& v : m.outputs) file->onnx_outputs.push_back(DescribeValue(v));
}

// NpyFile::descr is a repr: a plain type string is shown without its quotes.
std::string Unquote(const std::string& s) {
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front() &&
      s.find(s.front(), 1) == s.size() - 1) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

void NpyFacts(ByteView bytes, const Limits& limits, FileFacts* file) {
  Result<NpyFile> r = ReadNpy(bytes, limits);
  if (!r.ok() || r.value().header_state != NpyHeaderState::kOk) {
    file->tensors.unknown_reason = "numpy header not readable";
    return;
  }
  const NpyFile& f = r.value();
  if (f.has_object) {
    // The "array" is a pickle of Python objects: there is no tensor to count.
    file->tensors.unknown_reason = "object array (pickled Python objects)";
    file->format_facts.emplace_back("npy:dtype", Clip(Unquote(f.descr)));
    return;
  }
  TensorFacts& t = file->tensors;
  t.known = true;
  t.tensors = 1;
  t.parameters = f.element_count;
  t.dtypes = {Clip(Unquote(f.descr))};
  std::string shape = "(";
  for (std::size_t i = 0; i < f.shape.size(); ++i) shape += (i ? "," : "") + std::to_string(f.shape[i]);
  file->format_facts.emplace_back("npy:shape", Clip(shape + ")"));
}

}  // namespace

void ReadFormatFacts(ByteView bytes, const Limits& limits, FileFacts* file) {
  ContentType type = DetectContentType(bytes, Probe::kFile);
  file->format = std::string(ContentTypeName(type));
  switch (type) {
    case ContentType::kSafetensors:
      SafetensorsFacts(bytes, limits, file);
      return;
    case ContentType::kGguf:
      GgufFacts(bytes, limits, file);
      return;
    case ContentType::kOnnx:
      OnnxFacts(bytes, limits, file);
      return;
    case ContentType::kNpy:
      NpyFacts(bytes, limits, file);
      return;
    case ContentType::kZip:
      file->tensors.unknown_reason = "ZIP archive (PyTorch, Keras 3, npz ...): tensor records are not counted";
      return;
    case ContentType::kPickle:
    case ContentType::kTar:
      file->tensors.unknown_reason = "pickle checkpoint: tensor records are not counted";
      return;
    case ContentType::kHdf5:
    case ContentType::kTensorflow:
      file->tensors.unknown_reason = "tensor counts are not read for this format";
      return;
    case ContentType::kGzip:
    case ContentType::kBzip2:
    case ContentType::kXz:
    case ContentType::kLzmaAlone:
    case ContentType::kZlib:
    case ContentType::kZstd:
    case ContentType::kSevenZip:
      file->tensors.unknown_reason = "compressed: not decompressed for counting";
      return;
    case ContentType::kLfsPointer:
      file->tensors.unknown_reason = std::string(kNoWeightsHere) + " (Git LFS pointer)";
      file->tensors.holds_no_weights = true;
      return;
    case ContentType::kText:
    case ContentType::kEmpty:
      file->tensors.unknown_reason = kNoWeightsHere;
      file->tensors.holds_no_weights = true;
      return;
    default:
      file->tensors.unknown_reason = "content not recognised";
      return;
  }
}

}  // namespace modelgate::provenance::bom
