// safetensors -> TensorSource. The reader (formats/safetensors) validates
// the header the way the reference crate does; here each valid entry becomes
// a tensor whose `encoded` view points into the file, and a file the crate
// would refuse is reported anomaly by anomaly.
#include <string_view>

#include "forensics/loader_support.h"
#include "forensics/tensor_source.h"
#include "formats/safetensors/safetensors.h"

namespace modelgate::forensics {
namespace {

DType SafetensorsDType(std::string_view name) {
  struct Entry { std::string_view name; DType dtype; };
  static constexpr Entry kTable[] = {
      {"F32", DType::kF32}, {"F16", DType::kF16}, {"BF16", DType::kBF16}, {"F64", DType::kF64},
      {"I8", DType::kI8},   {"U8", DType::kU8},   {"I16", DType::kI16},   {"U16", DType::kU16},
      {"I32", DType::kI32}, {"U32", DType::kU32}, {"I64", DType::kI64},   {"U64", DType::kU64},
      {"BOOL", DType::kBool},
  };
  for (const Entry& e : kTable) {
    if (e.name == name) return e.dtype;
  }
  return DType::kUnsupported;
}

}  // namespace

Status AddSafetensorsBytes(ByteView bytes, const std::string& display, const Limits& limits, TensorSource* out) {
  Result<SafetensorsFile> read = ReadSafetensors(bytes, limits);
  if (!read.ok()) return Fail(out, display, read.status());
  const SafetensorsFile& f = read.value();
  if (!f.CrateAccepts()) {
    // The crate refuses the whole file; every reason is reported, and the
    // entries that are still well formed are read anyway (a diff of a
    // damaged shard is more useful than none).
    for (const SafetensorsAnomaly& a : f.anomalies) {
      out->AddProblem({display, a.tensor, "safetensors file refused by the reference loader: " + a.detail +
                                              " (offset " + std::to_string(a.offset) + ")"});
    }
  }
  if (!f.header_parsed) {
    return Fail(out, display, Status::Corruption("safetensors header could not be parsed"));
  }
  for (const SafetensorsTensor& t : f.tensors) {
    if (!t.valid) {
      out->AddProblem({display, t.name, "entry invalid (dtype " + t.dtype + "): tensor not read"});
      continue;
    }
    TensorInfo info;
    info.name = t.name;
    info.stored_dtype = t.dtype;
    info.dtype = SafetensorsDType(t.dtype);
    info.shape = t.shape;
    info.file = display;
    const std::string why = CheckShape(info.shape, limits, &info.elements);
    if (!why.empty()) {
      out->AddProblem({display, t.name, why + ": tensor not read"});
      continue;
    }
    if (info.dtype == DType::kUnsupported) {
      out->AddProblem({display, t.name, "dtype " + t.dtype + " is not decoded: listed without bytes"});
    } else {
      ByteView b = TensorBytes(f, t, bytes);
      if (b.size() / DTypeSize(info.dtype) < info.elements) {
        out->AddProblem({display, t.name, "tensor bytes shorter than its shape: listed without bytes"});
      } else {
        info.encoded = b;
      }
    }
    MODELGATE_RETURN_IF_ERROR(AddBounded(std::move(info), limits, out));
  }
  return Status::Ok();
}

Status AddSafetensorsFile(const std::string& path, const Limits& limits, TensorSource* out) {
  ByteView bytes;
  MODELGATE_RETURN_IF_ERROR(MapIntoSource(path, out, &bytes));
  return AddSafetensorsBytes(bytes, path, limits, out);
}

}  // namespace modelgate::forensics
