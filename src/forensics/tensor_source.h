// TensorSource: one read-only view of a model's named tensors, whatever the
// file format, for weight forensics (`modelgate diff`, `modelgate inspect`).
//
// OpenTensors() accepts a single file or a model folder and fills a
// TensorSource from:
//   * safetensors files, and sharded checkpoints through
//     model.safetensors.index.json (every tensor must sit in the shard the
//     index names);
//   * PyTorch checkpoints, zip (torch.save >= 1.6) and legacy (stacked
//     pickles + raw storages): tensor names, dtypes, shapes, strides and
//     storage offsets are recovered by the symbolic pickle machine from the
//     rebuild calls and persistent-id storage records; nothing is executed;
//     also sharded through pytorch_model.bin.index.json;
//   * GGUF (F32, F16, BF16, Q8_0, Q4_0 and plain integer types; other ggml
//     types are listed with dtype kUnsupported and a problem);
//   * numpy .npy and .npz.
//
// Bytes are never copied: files are mapped (MappedFile) and each tensor's
// `encoded` view points into the mapping. The only owned buffers are members
// of compressed .npz archives, which are inflated once (bounded by
// Limits::max_member_bytes / max_decompressed_bytes).
//
// What cannot be read is never dropped silently: every tensor or file that
// could not be located, decoded or trusted is a TensorProblem, and tensors
// whose bytes are not available (non-contiguous torch views, Fortran-order
// arrays, unsupported dtypes) are still listed, with `encoded` empty.
//
// Thread-safety: a filled TensorSource is immutable; ReadF32 may be called
// from any number of threads at once.
#ifndef MODELGATE_FORENSICS_TENSOR_SOURCE_H_
#define MODELGATE_FORENSICS_TENSOR_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"
#include "modelgate/mapped_file.h"
#include "modelgate/status.h"

namespace modelgate::forensics {

enum class DType : std::uint8_t {
  kF32, kF16, kBF16, kF64,
  kI8, kU8, kI16, kU16, kI32, kU32, kI64, kU64, kBool,
  kQ8_0,  // ggml: blocks of 32 = f16 scale + 32 x int8
  kQ4_0,  // ggml: blocks of 32 = f16 scale + 16 bytes of nibbles, x = (q - 8) * d
  kUnsupported,
};
// "f32", "bf16", "q8_0", ... ("unsupported").
std::string_view DTypeName(DType t);
// Bytes per element of a plain type; 0 for block-quantised and unsupported.
std::uint32_t DTypeSize(DType t);
// True for kF32, kF16, kBF16, kF64.
bool IsFloat(DType t);

struct TensorInfo {
  std::string name;            // as the format names it
  DType dtype = DType::kUnsupported;
  std::string stored_dtype;    // the format's own spelling: "F32", "<f4", "FloatStorage", "Q4_0"
  std::vector<std::uint64_t> shape;  // row-major, outermost first (GGUF's ne[] reversed)
  std::uint64_t elements = 0;  // product of shape (1 for a scalar)
  std::string file;            // the file holding the bytes, as opened
  std::string member;          // archive member ("archive/data/3", "w.npy"), empty for plain files
  // The stored bytes, row-major and contiguous: elements * DTypeSize bytes,
  // or whole blocks for Q8_0/Q4_0. Empty when the bytes are not available
  // (see the problems list for why).
  ByteView encoded;
  bool big_endian = false;     // encoded bytes are big-endian (npy '>f4', big-endian GGUF)
};

struct TensorProblem {
  std::string file;
  std::string tensor;          // empty when the whole file is concerned
  std::string message;         // what could not be read, and why
};

class TensorSource {
 public:
  TensorSource() = default;
  TensorSource(const TensorSource&) = delete;
  TensorSource& operator=(const TensorSource&) = delete;

  // Tensors in file order (files in the order they were added).
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const std::vector<TensorProblem>& problems() const { return problems_; }
  // Index of the first tensor called `name`, or -1.
  std::int64_t Find(std::string_view name) const;

  // Decodes elements [first, first + count) of tensor `i` (row-major) to
  // float: widens f16/bf16, narrows f64, converts integers, dequantises
  // Q8_0/Q4_0 (first and count need not be block-aligned).
  // Returns kNotSupported when the tensor has no encoded bytes or an
  // unsupported dtype; kInvalidArgument when the range is out of bounds.
  Status ReadF32(std::size_t i, std::uint64_t first, std::uint64_t count, float* out) const;

  // --- Filling (used by the format loaders; not thread-safe).
  // Keeps `file` alive as long as this source; returns its bytes.
  ByteView Adopt(std::unique_ptr<MappedFile> file);
  // Keeps an owned buffer (an inflated .npz member) alive; returns its bytes.
  ByteView Adopt(std::vector<std::uint8_t> buffer);
  void Add(TensorInfo t);
  void AddProblem(TensorProblem p) { problems_.push_back(std::move(p)); }

 private:
  std::vector<std::unique_ptr<MappedFile>> files_;
  std::vector<std::unique_ptr<std::vector<std::uint8_t>>> buffers_;
  std::vector<TensorInfo> tensors_;
  std::vector<TensorProblem> problems_;
  std::unordered_map<std::string, std::size_t> index_;  // name -> first tensor with it
};

// Opens a model file or folder. A folder is read as one model: a sharded
// index when present, otherwise every weight file it holds (safetensors,
// then PyTorch, GGUF, npy/npz; not recursing into subfolders). A file is
// routed by its content, not its name.
// Returns kIOError when `path` cannot be read and kNotSupported when it
// holds no tensor file modelgate reads; any partial failure is a problem in
// the returned source.
Result<std::unique_ptr<TensorSource>> OpenTensors(const std::string& path, const Limits& limits);

// Format loaders, one per format (each in its own file). Each maps or takes
// the bytes of one file and adds its tensors and problems to `out`.
// Everything that could not be read is a TensorProblem in `out`; the
// returned Status is OK unless the file yielded nothing usable (cannot be
// opened, is not this format, or a limit stopped loading), and then it says
// why (the same reason is also a problem in `out`).
Status AddSafetensorsFile(const std::string& path, const Limits& limits, TensorSource* out);
Status AddPytorchFile(const std::string& path, const Limits& limits, TensorSource* out);
Status AddGgufFile(const std::string& path, const Limits& limits, TensorSource* out);
Status AddNumpyFile(const std::string& path, const Limits& limits, TensorSource* out);  // .npy or .npz

// Byte-level forms of the loaders (the path versions map the file, adopt the
// mapping into `out` and call these; fuzzers call them directly).
// REQUIRES: `bytes` outlives `out` (tensors' `encoded` views point into it).
// `display` is the name recorded in TensorInfo::file and TensorProblem::file.
Status AddSafetensorsBytes(ByteView bytes, const std::string& display, const Limits& limits, TensorSource* out);
Status AddGgufBytes(ByteView bytes, const std::string& display, const Limits& limits, TensorSource* out);
// .npy or .npz (told apart by content). An .npy file's tensor is named
// after `display`'s base name without ".npy".
Status AddNumpyBytes(ByteView bytes, const std::string& display, const Limits& limits, TensorSource* out);

// Decodes `count` elements of `dtype` starting at element `first` of the
// row-major bytes `encoded` into `out` (the shared decoder behind ReadF32).
Status DecodeToF32(DType dtype, bool big_endian, ByteView encoded, std::uint64_t first,
                   std::uint64_t count, float* out);

}  // namespace modelgate::forensics

#endif  // MODELGATE_FORENSICS_TENSOR_SOURCE_H_
