// PyTorch checkpoints as a TensorSource (see tensor_source.h).
//
// Two layouts, told apart as torch.load does (a zip local-header magic at
// offset 0 means the zip format):
//   * zip (torch.save >= 1.6): `<prefix>/data.pkl`, storages stored
//     uncompressed at `<prefix>/data/<key>`, optional `<prefix>/byteorder`.
//     The prefix is the first central-directory name up to its first '/', and
//     members are looked up the way PyTorch's miniz does (MinizNameIndex).
//   * legacy (`_use_new_zipfile_serialization=False`): pickles for the magic
//     number, the protocol version, sys_info, the object, and the sorted
//     list of storage keys; then, for each key in that list, an 8-byte
//     little-endian element count and the storage's raw bytes
//     (torch/serialization.py _legacy_load, StorageImpl _set_from_file).
//
// Tensor metadata comes from pickle::ExtractTorchTensors (nothing executed).
// A tensor's bytes are a view into the mapped file: the storage's bytes from
// element `storage_offset`, `elements` items long, but only when its strides
// are the contiguous row-major ones; other views are listed without bytes.
#include <cstring>
#include <functional>
#include <unordered_map>

#include "formats/pickle/pickle_machine.h"
#include "formats/pickle/torch_records.h"
#include "formats/zip/zip_reader.h"
#include "forensics/pytorch_tensors.h"
#include "forensics/tensor_source.h"

namespace modelgate::forensics {
namespace {

// Where a storage's bytes are: `bytes` (empty with `problem` set when they
// cannot be read) and the member that holds them.
struct StorageBytes {
  ByteView bytes;
  std::string member;
  std::string problem;
};
using StorageLookup = std::function<StorageBytes(const pickle::TorchTensorRecord&)>;

DType DTypeOfStorage(std::string_view type) {
  static const std::pair<std::string_view, DType> kTypes[] = {
      {"torch.FloatStorage", DType::kF32}, {"torch.HalfStorage", DType::kF16},
      {"torch.BFloat16Storage", DType::kBF16}, {"torch.DoubleStorage", DType::kF64},
      {"torch.LongStorage", DType::kI64}, {"torch.IntStorage", DType::kI32},
      {"torch.ShortStorage", DType::kI16}, {"torch.CharStorage", DType::kI8},
      {"torch.ByteStorage", DType::kU8}, {"torch.BoolStorage", DType::kBool},
  };
  for (const auto& [name, dtype] : kTypes) {
    if (type == name) return dtype;
  }
  return DType::kUnsupported;
}

// Fills shape/elements; returns "" or why the shape is unusable.
std::string CheckShape(const pickle::TorchTensorRecord& r, const Limits& limits, TensorInfo* t) {
  if (r.size.size() > limits.max_tensor_rank) return "rank " + std::to_string(r.size.size()) + " above max_tensor_rank";
  std::uint64_t elements = 1;
  for (std::int64_t d : r.size) {
    if (d < 0) return "negative dimension";
    if (__builtin_mul_overflow(elements, static_cast<std::uint64_t>(d), &elements)) return "element count overflows";
    t->shape.push_back(static_cast<std::uint64_t>(d));
  }
  t->elements = elements;
  if (r.storage_offset < 0) return "negative storage_offset";
  return "";
}

// torch's is_contiguous: row-major strides, ignoring dimensions of size 1.
bool Contiguous(const pickle::TorchTensorRecord& r) {
  std::int64_t expected = 1;
  for (std::size_t k = r.size.size(); k-- > 0;) {
    if (r.size[k] == 0) return true;
    if (r.size[k] != 1 && r.stride[k] != expected) return false;
    expected *= r.size[k];
  }
  return true;
}

void AddTensors(const std::string& path, const pickle::TorchPickleContents& contents, const StorageLookup& lookup,
                bool big_endian, const Limits& limits, TensorSource* out) {
  for (const std::string& p : contents.problems) out->AddProblem({path, "", p});
  std::size_t unnamed = 0;
  for (const pickle::TorchTensorRecord& r : contents.tensors) {
    std::string name = r.name.empty() ? "<unnamed " + std::to_string(unnamed++) + ">" : r.name;
    if (!r.problem.empty() && r.storage_key.empty()) {
      out->AddProblem({path, name, r.problem});
      continue;
    }
    if (out->tensors().size() >= limits.max_model_tensors) {
      out->AddProblem({path, "", "more than max_model_tensors tensors; the rest are not listed"});
      return;
    }
    TensorInfo t;
    t.name = name;
    t.file = path;
    t.dtype = DTypeOfStorage(r.storage_type);
    t.stored_dtype = r.storage_type.rfind("torch.", 0) == 0 ? r.storage_type.substr(6) : r.storage_type;
    t.big_endian = big_endian;
    std::string problem = CheckShape(r, limits, &t);
    if (!r.problem.empty()) problem = r.problem;
    if (problem.empty() && t.dtype == DType::kUnsupported) problem = "unsupported storage type " + r.storage_type;
    if (problem.empty() && !Contiguous(r)) problem = "non-contiguous view (strides are not row-major), bytes not read";
    if (problem.empty()) {
      StorageBytes s = lookup(r);
      t.member = s.member;
      std::uint64_t size = DTypeSize(t.dtype), first = 0, bytes = 0;
      if (!s.problem.empty()) {
        problem = s.problem;
      } else if (__builtin_mul_overflow(static_cast<std::uint64_t>(r.storage_offset), size, &first) ||
                 __builtin_mul_overflow(t.elements, size, &bytes) || first > s.bytes.size() ||
                 bytes > s.bytes.size() - first) {
        problem = "storage " + r.storage_key + " holds " + std::to_string(s.bytes.size()) +
                  " bytes; the tensor needs elements [" + std::to_string(r.storage_offset) + ", +" +
                  std::to_string(t.elements) + ")";
      } else {
        t.encoded = s.bytes.subspan(first, bytes);
      }
    }
    if (!problem.empty()) out->AddProblem({path, name, problem});
    out->Add(std::move(t));
  }
}

std::string TraceProblem(const pickle::StreamTrace& t) {
  return std::string(pickle::ErrorKindName(t.error)) + " at offset " + std::to_string(t.error_offset) + ": " +
         t.error_message;
}

void AddZip(const std::string& path, ByteView file, const Limits& limits, TensorSource* out) {
  auto parsed = ParseZip(file, limits);
  if (!parsed.ok()) {
    out->AddProblem({path, "", "zip: " + parsed.status().ToString()});
    return;
  }
  const ZipArchive& zip = parsed.value();
  if (zip.entries.empty()) {
    out->AddProblem({path, "", "zip archive has no members"});
    return;
  }
  std::string prefix = zip.entries[0].name.substr(0, zip.entries[0].name.find('/'));
  MinizNameIndex index(zip);
  const ZipEntry* pkl = index.Find(prefix + "/data.pkl");
  if (!pkl || !pkl->has_data) {
    out->AddProblem({path, "", "no readable " + prefix + "/data.pkl member"});
    return;
  }
  if (pkl->method != 0) {
    out->AddProblem({path, "", prefix + "/data.pkl is compressed (torch.save stores it)"});
    return;
  }
  bool big_endian = false;
  if (const ZipEntry* order = index.Find(prefix + "/byteorder"); order && order->has_data) {
    std::string_view v(reinterpret_cast<const char*>(order->data.data()), order->data.size());
    if (order->method != 0 || (v != "little" && v != "big")) {
      out->AddProblem({path, "", "unreadable byteorder record; assuming little-endian"});
    }
    big_endian = order->method == 0 && v == "big";
  }
  pickle::TorchPickleContents contents = pickle::ExtractTorchTensors(pkl->data, 0, limits);
  auto lookup = [&](const pickle::TorchTensorRecord& r) {
    StorageBytes s;
    s.member = prefix + "/data/" + r.storage_key;
    const ZipEntry* e = index.Find(s.member);
    if (!e) {
      s.problem = "storage member " + s.member + " is missing";
    } else if (!e->has_data || !e->PlaintextReadable()) {
      s.problem = "storage member " + s.member + " has no readable data";
    } else if (e->method != 0) {
      s.problem = "storage member " + s.member + " is compressed (torch.save stores storages), not read";
    } else {
      s.bytes = e->data;
      std::uint64_t need = 0;
      std::uint32_t size = pickle::TorchStorageElementSize(r.storage_type);
      if (r.storage_numel >= 0 &&
          !__builtin_mul_overflow(static_cast<std::uint64_t>(r.storage_numel), size, &need) &&
          need < s.bytes.size()) {
        s.bytes = s.bytes.first(need);  // bytes past the declared numel are not the storage's
      }
    }
    return s;
  };
  AddTensors(path, contents, lookup, big_endian, limits, out);
}

void AddLegacy(const std::string& path, ByteView file, const Limits& limits, TensorSource* out) {
  pickle::MachineOptions plain;
  plain.joblib_arrays = false;
  pickle::StreamTrace magic = pickle::RunStream(file, 0, limits, plain);
  if (!magic.stopped || !magic.result_is_legacy_torch_magic) {
    out->AddProblem({path, "", "not a legacy torch.save file (no magic number pickle)"});
    return;
  }
  pickle::StreamTrace version = pickle::RunStream(file, magic.end, limits, plain);
  if (!version.stopped || !version.result_is_int || version.result_int != 1001) {
    out->AddProblem({path, "", "legacy protocol version is not 1001"});
    return;
  }
  pickle::StreamTrace sys_info = pickle::RunStream(file, version.end, limits, plain);
  if (!sys_info.stopped) {
    out->AddProblem({path, "", "sys_info pickle: " + TraceProblem(sys_info)});
    return;
  }
  pickle::TorchPickleContents contents = pickle::ExtractTorchTensors(file, sys_info.end, limits);
  std::unordered_map<std::string, StorageBytes> storages;
  if (contents.trace.stopped) {
    // Storage type and numel per key, from the first persistent id naming it.
    std::unordered_map<std::string, const pickle::TorchStorageRecord*> declared;
    for (const auto& r : contents.storages) declared.emplace(r.key, &r);
    pickle::TorchPickleContents keys = pickle::ExtractTorchTensors(file, contents.trace.end, limits);
    if (!keys.trace.stopped) out->AddProblem({path, "", "storage key list: " + TraceProblem(keys.trace)});
    ByteReader reader(file);
    bool ok = keys.trace.stopped && reader.Seek(keys.trace.end);
    for (const std::string& key : keys.root_strings) {
      if (!ok) break;
      auto d = declared.find(key);
      std::uint64_t count = 0, bytes = 0;
      std::uint32_t size = d == declared.end() ? 0 : pickle::TorchStorageElementSize(d->second->storage_type);
      std::string where = " at offset " + std::to_string(reader.pos());
      if (size == 0) {
        // torch asserts the key was loaded; without its dtype the rest of
        // the data cannot be located.
        out->AddProblem({path, "", "storage " + key + " is listed but no tensor of a known type uses it" + where});
        break;
      }
      if (!reader.ReadU64LE(&count) || __builtin_mul_overflow(count, size, &bytes)) {
        ok = false;
      } else if (d->second->numel >= 0 && count != static_cast<std::uint64_t>(d->second->numel)) {
        out->AddProblem({path, "", "storage " + key + " holds " + std::to_string(count) +
                                       " elements but its persistent id says " +
                                       std::to_string(d->second->numel) + where});
        break;  // torch fails here too
      } else if (ByteView v; reader.ReadBytes(bytes, &v)) {
        storages[key].bytes = v;
        continue;
      } else {
        ok = false;
      }
      storages[key].problem = "storage " + key + " is cut short by the end of the file" + where;
    }
  }
  auto lookup = [&](const pickle::TorchTensorRecord& r) {
    auto it = storages.find(r.storage_key);
    if (it != storages.end()) return it->second;
    StorageBytes s;
    s.problem = "storage " + r.storage_key + " is missing from the data after the pickles";
    return s;
  };
  AddTensors(path, contents, lookup, false, limits, out);
}

}  // namespace

Status AddPytorchFile(const std::string& path, const Limits& limits, TensorSource* out) {
  auto mapped = MappedFile::Open(path);
  if (!mapped.ok()) return mapped.status();
  ByteView file = out->Adopt(std::move(mapped).value());
  return AddPytorchBytes(path, file, limits, out);
}

Status AddPytorchBytes(const std::string& path, ByteView file, const Limits& limits, TensorSource* out) {
  static constexpr std::uint8_t kZipMagic[] = {'P', 'K', 3, 4};
  if (file.size() >= 4 && std::memcmp(file.data(), kZipMagic, 4) == 0) {
    AddZip(path, file, limits, out);
  } else if (pickle::LooksLikePickle(file)) {
    AddLegacy(path, file, limits, out);
  } else {
    return Status::NotSupported(path + ": neither a torch.save zip nor a legacy torch.save file");
  }
  return Status::Ok();
}

}  // namespace modelgate::forensics
