// GGUF -> TensorSource. ggml stores dimensions fastest-first (ne[0] is the
// row length); TensorSource shapes are row-major outermost-first, so the
// shape is ne[] reversed. Plain and Q8_0/Q4_0 tensors keep a view into the
// file; other ggml types are listed without bytes.
#include "forensics/loader_support.h"
#include "forensics/tensor_source.h"
#include "formats/gguf/gguf.h"
#include "formats/gguf/ggml_types.h"

namespace modelgate::forensics {
namespace {

DType GgmlDType(std::uint32_t type) {
  switch (type) {
    case 0: return DType::kF32;
    case 1: return DType::kF16;
    case 2: return DType::kQ4_0;
    case 8: return DType::kQ8_0;
    case 24: return DType::kI8;
    case 25: return DType::kI16;
    case 26: return DType::kI32;
    case 27: return DType::kI64;
    case 28: return DType::kF64;
    case 30: return DType::kBF16;
    default: return DType::kUnsupported;
  }
}

// Anomalies that change which bytes a tensor has (the rest concern metadata
// and are the scanner's business).
bool AffectsTensors(GgufAnomalyKind k) {
  switch (k) {
    case GgufAnomalyKind::kUnknownVersion:
    case GgufAnomalyKind::kTruncated:
    case GgufAnomalyKind::kAbsurdCount:
    case GgufAnomalyKind::kAbsurdLength:
    case GgufAnomalyKind::kUnknownValueType:
    case GgufAnomalyKind::kLimitExceeded:
    case GgufAnomalyKind::kBadAlignment:
    case GgufAnomalyKind::kTooManyDims:
    case GgufAnomalyKind::kBadShape:
    case GgufAnomalyKind::kUnknownTensorType:
    case GgufAnomalyKind::kRemovedTensorType:
    case GgufAnomalyKind::kDuplicateTensor:
    case GgufAnomalyKind::kTensorMisaligned:
    case GgufAnomalyKind::kTensorOutOfRange:
    case GgufAnomalyKind::kTensorOverlap:
      return true;
    default:
      return false;
  }
}

std::string StoredName(std::uint32_t type) {
  const GgmlTypeInfo* info = FindGgmlType(type);
  return info != nullptr ? std::string(info->name) : "ggml type " + std::to_string(type);
}

}  // namespace

Status AddGgufBytes(ByteView bytes, const std::string& display, const Limits& limits, TensorSource* out) {
  Result<GgufFile> read = ReadGguf(bytes, limits);
  if (!read.ok()) return Fail(out, display, read.status());
  const GgufFile& f = read.value();
  for (const GgufAnomaly& a : f.anomalies) {
    if (AffectsTensors(a.kind)) {
      out->AddProblem({display, "", "GGUF: " + a.detail + " (offset " + std::to_string(a.offset) + ")"});
    }
  }
  if (!f.header_complete) {
    // Tensor infos read before the damage are listed (without bytes: the
    // data section's start is unknown).
    out->AddProblem({display, "", "GGUF header incomplete: tensor data not read"});
  }
  for (std::size_t i = 0; i < f.tensors.size(); ++i) {
    const GgufTensorInfo& t = f.tensors[i];
    if (t.n_dims > t.dims.size()) {
      out->AddProblem({display, t.name, std::to_string(t.n_dims) + " dimensions (ggml has at most 4): not read"});
      continue;
    }
    TensorInfo info;
    info.name = t.name;
    info.dtype = GgmlDType(t.type);
    info.stored_dtype = StoredName(t.type);
    for (std::uint32_t d = t.n_dims; d > 0; --d) info.shape.push_back(t.dims[d - 1]);
    info.file = display;
    info.big_endian = f.big_endian;
    const std::string why = CheckShape(info.shape, limits, &info.elements);
    if (!why.empty()) {
      out->AddProblem({display, t.name, why + ": tensor not read"});
      continue;
    }
    const bool quantised = info.dtype == DType::kQ8_0 || info.dtype == DType::kQ4_0;
    ByteView data = GgufTensorData(f, i, bytes);
    if (info.dtype == DType::kUnsupported) {
      out->AddProblem({display, t.name, "ggml type " + info.stored_dtype + " is not decoded: listed without bytes"});
    } else if (quantised && f.big_endian) {
      // ggml never defined byte-swapped blocks; gguf-py swaps only plain types.
      out->AddProblem({display, t.name, "quantised tensor in a big-endian file: listed without bytes"});
    } else if (quantised && (info.shape.empty() || info.shape.back() % 32 != 0)) {
      out->AddProblem({display, t.name, "row length not a multiple of the 32-element block: listed without bytes"});
    } else if (data.empty() && info.elements > 0) {
      out->AddProblem({display, t.name, "tensor bytes unknown or outside the file: listed without bytes"});
    } else {
      const std::uint64_t need = quantised ? info.elements / 32 * (info.dtype == DType::kQ8_0 ? 34 : 18)
                                           : info.elements * DTypeSize(info.dtype);
      if (!quantised && info.elements > data.size() / DTypeSize(info.dtype)) {
        out->AddProblem({display, t.name, "tensor bytes shorter than its shape: listed without bytes"});
      } else if (quantised && data.size() < need) {
        out->AddProblem({display, t.name, "tensor bytes shorter than its blocks: listed without bytes"});
      } else {
        info.encoded = data.first(static_cast<std::size_t>(need));
      }
    }
    MODELGATE_RETURN_IF_ERROR(AddBounded(std::move(info), limits, out));
  }
  return Status::Ok();
}

Status AddGgufFile(const std::string& path, const Limits& limits, TensorSource* out) {
  ByteView bytes;
  MODELGATE_RETURN_IF_ERROR(MapIntoSource(path, out, &bytes));
  return AddGgufBytes(bytes, path, limits, out);
}

}  // namespace modelgate::forensics
