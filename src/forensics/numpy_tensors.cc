// numpy .npy / .npz -> TensorSource. An .npz is a ZIP of .npy members, read
// as numpy.load does (Python's zipfile: the last duplicate name wins).
// Stored members are views into the file; deflated ones are inflated once
// into buffers the source owns, within Limits::max_member_bytes each and
// Limits::max_decompressed_bytes for the whole archive. Object arrays are
// pickles and are never decoded here.
#include <algorithm>
#include <string_view>

#include "forensics/loader_support.h"
#include "forensics/tensor_source.h"
#include "formats/npy/npy.h"
#include "formats/zip/zip_reader.h"

namespace modelgate::forensics {
namespace {

// numpy type string ("<f4", ">i8", "|u1") -> dtype and byte order. numpy
// writes '|' for one-byte types and '<' / '>' otherwise; '=' (native) is
// taken as little-endian like numpy on every platform modelgate runs on.
DType NumpyDType(std::string_view descr, bool* big_endian) {
  *big_endian = false;
  if (descr.size() < 3) return DType::kUnsupported;
  const char order = descr[0];
  if (order != '<' && order != '>' && order != '|' && order != '=') return DType::kUnsupported;
  std::string_view code = descr.substr(1);
  struct Entry { std::string_view code; DType dtype; };
  static constexpr Entry kTable[] = {
      {"f4", DType::kF32}, {"f2", DType::kF16}, {"f8", DType::kF64}, {"i1", DType::kI8},
      {"u1", DType::kU8},  {"i2", DType::kI16}, {"u2", DType::kU16}, {"i4", DType::kI32},
      {"u4", DType::kU32}, {"i8", DType::kI64}, {"u8", DType::kU64}, {"b1", DType::kBool},
  };
  for (const Entry& e : kTable) {
    if (e.code != code) continue;
    // '|' (not applicable) only makes sense for one-byte types.
    if (order == '|' && DTypeSize(e.dtype) != 1) return DType::kUnsupported;
    *big_endian = order == '>' && DTypeSize(e.dtype) > 1;
    return e.dtype;
  }
  return DType::kUnsupported;
}

// ReadNpy renders a plain descr as a Python string literal: "'<f4'".
std::string_view Unquote(std::string_view s) {
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

Status AddNpy(ByteView bytes, const std::string& display, const std::string& member, const std::string& name,
              const Limits& limits, TensorSource* out) {
  Result<NpyFile> read = ReadNpy(bytes, limits);
  if (!read.ok()) {
    out->AddProblem({display, name, read.status().ToString()});
    return Status::Ok();
  }
  const NpyFile& f = read.value();
  if (f.header_state != NpyHeaderState::kOk) {
    out->AddProblem({display, name, "npy header not understood" +
                                        (f.anomalies.empty() ? std::string() : ": " + f.anomalies[0].detail)});
    return Status::Ok();
  }
  TensorInfo info;
  info.name = name;
  info.file = display;
  info.member = member;
  info.stored_dtype = std::string(Unquote(f.descr));
  for (std::int64_t d : f.shape) info.shape.push_back(static_cast<std::uint64_t>(d));  // kOk: all >= 0
  const std::string why = CheckShape(info.shape, limits, &info.elements);
  if (!why.empty()) {
    out->AddProblem({display, name, why + ": tensor not read"});
    return Status::Ok();
  }
  info.dtype = f.structured || f.has_object ? DType::kUnsupported : NumpyDType(info.stored_dtype, &info.big_endian);
  if (f.has_object) {
    out->AddProblem({display, name, "object dtype (the data is a pickle): listed without bytes, never unpickled"});
  } else if (info.dtype == DType::kUnsupported) {
    out->AddProblem({display, name, "dtype " + info.stored_dtype + " is not decoded: listed without bytes"});
  } else if (f.fortran_order) {
    out->AddProblem({display, name, "Fortran-order array: listed without bytes"});
  } else if (f.data_offset > bytes.size() || info.elements > (bytes.size() - f.data_offset) / DTypeSize(info.dtype)) {
    out->AddProblem({display, name, "array data shorter than its shape: listed without bytes"});
  } else {
    info.encoded = bytes.subspan(static_cast<std::size_t>(f.data_offset),
                                 static_cast<std::size_t>(info.elements * DTypeSize(info.dtype)));
  }
  return AddBounded(std::move(info), limits, out);
}

constexpr std::string_view kNpySuffix = ".npy";

bool EndsWithNpy(std::string_view name) {
  return name.size() >= kNpySuffix.size() && name.substr(name.size() - kNpySuffix.size()) == kNpySuffix;
}

Status AddNpz(ByteView bytes, const std::string& display, const Limits& limits, TensorSource* out) {
  Result<ZipArchive> parsed = ParseZip(bytes, limits);
  if (!parsed.ok()) return Fail(out, display, parsed.status());
  const ZipArchive& zip = parsed.value();
  for (const ZipAnomaly& a : zip.anomalies) {
    if (a.kind == ZipAnomalyKind::kArchiveComment) continue;
    out->AddProblem({display, a.member, "npz archive: " + a.detail});
  }
  std::uint64_t inflated_total = 0;
  for (const ZipEntry& e : zip.entries) {
    if (e.IsDirectory()) continue;
    if (!EndsWithNpy(e.name)) {
      out->AddProblem({display, e.name, "npz member is not an .npy array: not read"});
      continue;
    }
    if (FindEntryLikeZipfile(zip, e.name) != &e) continue;  // shadowed duplicate (already a problem)
    const std::string name = e.name.substr(0, e.name.size() - kNpySuffix.size());
    if (!e.has_data) {
      out->AddProblem({display, name, "npz member data unreadable: not read"});
      continue;
    }
    ByteView member;
    if (e.method == kZipMethodStored && !e.IsEncrypted() && e.compressed_size == e.uncompressed_size) {
      member = e.data;
    } else {
      const std::uint64_t budget = std::min<std::uint64_t>(
          limits.max_member_bytes, limits.max_decompressed_bytes - std::min(inflated_total, limits.max_decompressed_bytes));
      Result<ExtractedEntry> x = ExtractEntry(e, budget);
      if (!x.ok()) {
        out->AddProblem({display, name, "npz member not extracted: " + x.status().ToString()});
        if (x.status().code() == StatusCode::kLimitExceeded && budget < limits.max_member_bytes) {
          return Fail(out, display, Status::LimitExceeded("npz archive inflates beyond Limits::max_decompressed_bytes"));
        }
        continue;
      }
      if (!x->crc_ok || !x->size_ok) {
        out->AddProblem({display, name, "npz member fails its CRC or size check (numpy.load refuses it): not read"});
        continue;
      }
      inflated_total += x->bytes.size();
      member = out->Adopt(std::move(x).value().bytes);
    }
    MODELGATE_RETURN_IF_ERROR(AddNpy(member, display, e.name, name, limits, out));
  }
  return Status::Ok();
}

}  // namespace

Status AddNumpyBytes(ByteView bytes, const std::string& display, const Limits& limits, TensorSource* out) {
  if (HasNpyMagic(bytes)) {
    std::string name = BaseName(display);
    if (EndsWithNpy(name)) name.resize(name.size() - kNpySuffix.size());
    return AddNpy(bytes, display, "", name, limits, out);
  }
  return AddNpz(bytes, display, limits, out);
}

Status AddNumpyFile(const std::string& path, const Limits& limits, TensorSource* out) {
  ByteView bytes;
  MODELGATE_RETURN_IF_ERROR(MapIntoSource(path, out, &bytes));
  return AddNumpyBytes(bytes, path, limits, out);
}

}  // namespace modelgate::forensics
