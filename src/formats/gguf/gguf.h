// GgufFile: a bounded, faithful reader of GGUF versions 1, 2 and 3, the
// model format of ggml / llama.cpp (ggml/docs/gguf.md, gguf-py's
// GGUFReader, ggml's gguf_init_from_file).
//
// Layout (little-endian unless the file is big-endian, see below):
//   "GGUF", u32 version,
//   tensor_count, metadata_kv_count          (u32 in v1, u64 in v2 and v3)
//   metadata_kv_count x { string key, u32 value_type, value }
//   tensor_count x { string name, u32 n_dims, n_dims x dim (u32 v1 / u64 v2+),
//                    u32 ggml_type, u64 offset }
//   padding to general.alignment (default 32), then the data section; each
//   tensor's bytes start at data_offset + offset.
// A string is a length (u32 v1 / u64 v2+) and that many bytes of UTF-8. An
// array value is u32 element_type, count (u32 v1 / u64 v2+), then the
// elements; element_type may itself be ARRAY (nested arrays, read by
// gguf-py, refused by current llama.cpp).
//
// Big-endian files (gguf-py --bigendian; llama.cpp on s390x) have the same
// layout with every integer byte-swapped; they are detected from the version
// field and read the same way.
//
// The reader never decides what is dangerous: everything unusual is a
// GgufAnomaly. Nested arrays are walked with an explicit stack (no
// recursion), bounded by Limits::max_gguf_array_depth and
// max_gguf_array_elements.
#ifndef MODELGATE_FORMATS_GGUF_GGUF_H_
#define MODELGATE_FORMATS_GGUF_GGUF_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate {

// True when `bytes` starts with the GGUF magic.
bool HasGgufMagic(ByteView bytes);

enum class GgufValueType : std::uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};
// "UINT8", ..., "?" for unknown.
std::string_view GgufValueTypeName(std::uint32_t type);
// Bytes of one scalar of `type`; 0 for STRING, ARRAY and unknown types.
std::uint32_t GgufScalarSize(std::uint32_t type);

enum class GgufAnomalyKind {
  kUnknownVersion,      // version not 1, 2 or 3
  kLegacyVersion,       // version 1: current llama.cpp refuses it
  kTruncated,           // the header, metadata or tensor infos run past the end
  kAbsurdCount,         // tensor/kv/array count over a limit or impossible in the bytes left
  kAbsurdLength,        // string length over a limit or past the end
  kLimitExceeded,       // array nesting or total array elements over a limit
  kUnknownValueType,    // metadata value type not defined by GGUF
  kNestedArray,         // array of arrays: gguf-py reads it, llama.cpp refuses
  kDuplicateKey,        // same key twice (llama.cpp refuses; gguf-py keeps both)
  kInvalidUtf8,         // a key, string value or tensor name that is not UTF-8
  kBadAlignment,        // general.alignment not a u32 power of two
  kTooManyDims,         // n_dims > 4 (GGML_MAX_DIMS)
  kBadShape,            // negative dimension, element count overflow, row not a block multiple
  kUnknownTensorType,   // ggml type id ggml does not define
  kRemovedTensorType,   // ggml type retired from ggml (Q4_2, Q4_0_4_4 ...)
  kDuplicateTensor,     // same tensor name twice
  kTensorNameTooLong,   // >= 64 bytes (GGML_MAX_NAME): llama.cpp refuses
  kTensorMisaligned,    // offset not a multiple of the alignment
  kTensorOutOfRange,    // tensor bytes extend past the end of the file
  kTensorOverlap,       // two tensors share bytes
  kTensorLayout,        // offsets not packed in order as ggml expects (gaps, reordering)
  kTrailingData,        // bytes after the last tensor's (padded) data
};

struct GgufAnomaly {
  GgufAnomalyKind kind;
  std::uint64_t offset = 0;  // byte offset in the input
  std::string detail;
};

// One metadata key/value. Views point into the input bytes.
struct GgufKv {
  std::string key;            // as read (may be invalid UTF-8)
  std::uint64_t offset = 0;   // of the key's length field
  std::uint32_t type = 0;     // GgufValueType of the value (kArray for arrays)
  // Arrays: element type and count of the outer array; depth is 1 for a flat
  // array, more for arrays of arrays (whose contents are walked, not kept).
  std::uint32_t element_type = 0;
  std::uint64_t count = 0;
  std::uint32_t depth = 0;
  // Scalars: the value, widened (integers in u64 or i64, floats in f64, BOOL
  // in u64).
  std::uint64_t u64 = 0;
  std::int64_t i64 = 0;
  double f64 = 0;
  // STRING: strings[0]. Flat ARRAY of STRING: every element, in order.
  std::vector<std::string_view> strings;
  // Flat arrays of numbers: the raw element bytes (file byte order).
  ByteView raw;
  std::uint64_t value_offset = 0;  // first byte of the value
  std::uint64_t value_end = 0;     // one past its last byte (when complete)
  bool complete = false;           // the whole value was read
};

// One tensor info entry.
struct GgufTensorInfo {
  std::string name;
  std::uint64_t info_offset = 0;  // of the name's length field
  std::uint32_t n_dims = 0;
  std::array<std::uint64_t, 4> dims = {1, 1, 1, 1};  // ne[0..3]; dims past n_dims are 1
  std::uint32_t type = 0;        // ggml type id
  std::uint64_t offset = 0;      // relative to the data section
  // Set when the type is known and the shape valid.
  std::optional<std::uint64_t> element_count;
  std::optional<std::uint64_t> nbytes;
};

struct GgufFile {
  std::uint32_t version = 0;
  bool big_endian = false;
  std::uint64_t tensor_count = 0;  // as declared
  std::uint64_t kv_count = 0;      // as declared
  std::vector<GgufKv> kvs;         // in file order (duplicates included)
  std::vector<GgufTensorInfo> tensors;
  std::uint64_t alignment = 32;
  // True when the header, every kv and every tensor info were read.
  bool header_complete = false;
  std::uint64_t info_end = 0;      // one past the last tensor info
  std::uint64_t data_offset = 0;   // start of the data section (info_end aligned up)
  // One past the last byte of tensor data (padded to the alignment, clipped
  // to the input size); data_offset when there are no tensors.
  std::uint64_t data_end = 0;
  std::uint64_t input_size = 0;
  std::vector<GgufAnomaly> anomalies;

  // The first kv with this key, or nullptr.
  const GgufKv* Find(std::string_view key) const;
  // The first string value of `key` (STRING scalar), or "" when absent.
  std::string_view StringValue(std::string_view key) const;
  bool Has(GgufAnomalyKind k) const;
};

// Reads a GGUF file from memory.
// Returns kCorruption only when the input does not start with "GGUF" and a
// version field; every other problem is an anomaly, and parsing stops at the
// first structural one (truncation, absurd length, unknown value type) with
// header_complete false.
// The result borrows `bytes` (GgufKv::strings and raw point into it): keep
// the bytes alive while using it. Thread-safe.
Result<GgufFile> ReadGguf(ByteView bytes, const Limits& limits);

// The bytes of tensor `i`, or an empty view when its size is unknown or it
// does not lie inside `bytes` (the same input ReadGguf read).
ByteView GgufTensorData(const GgufFile& f, std::size_t i, ByteView bytes);

}  // namespace modelgate

#endif  // MODELGATE_FORMATS_GGUF_GGUF_H_
