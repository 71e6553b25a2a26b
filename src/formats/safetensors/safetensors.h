// SafetensorsReader: a bounded, faithful reader of Hugging Face's safetensors
// format, as written by safetensors.torch.save_file / serialize and read by
// the reference Rust crate (huggingface/safetensors, safetensors/src/tensor.rs)
// that every official binding (Python, candle, transformers) goes through.
//
// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
// (starting with '{', padded with spaces), then the byte buffer. The JSON
// is an object: "__metadata__" -> {string: string} (optional), every other
// key a tensor name -> {"dtype": "F32", "shape": [2, 3],
// "data_offsets": [begin, end]} with offsets relative to the buffer.
//
// The reader parses the header with a SAX handler (no recursion, no DOM: a
// header is at most 100 MB) and records everything the reference crate
// would refuse, and everything other readers might see differently, as
// SafetensorsAnomaly values. It never decides severity.
//
// Public API for later passes (weight forensics): SafetensorsFile keeps every
// tensor's name, dtype, shape and offsets, and TensorBytes() returns a
// tensor's bytes as a view into the caller's buffer (no copy).
#ifndef MODELGATE_FORMATS_SAFETENSORS_SAFETENSORS_H_
#define MODELGATE_FORMATS_SAFETENSORS_SAFETENSORS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate {

// The reference crate's MAX_HEADER_SIZE: longer headers are refused.
inline constexpr std::uint64_t kSafetensorsMaxHeaderSize = 100'000'000;
// serde_json's recursion limit: deeper JSON is refused by the crate.
inline constexpr std::uint32_t kSafetensorsMaxJsonDepth = 128;

enum class SafetensorsAnomalyKind {
  kHeaderTruncated,      // header length runs past the end of the input
  kHeaderOverCrateLimit, // header length > 100,000,000 (crate: HeaderTooLarge); not parsed
  kHeaderTooLarge,       // header longer than Limits::max_safetensors_header_bytes; not parsed
  kHeaderNotUtf8,        // crate: InvalidHeader
  kHeaderStart,          // header does not start with '{' (crate: InvalidHeaderStart)
  kHeaderJson,           // not strict JSON, or trailing non-space bytes (crate: InvalidHeaderDeserialization)
  kHeaderTooDeep,        // nesting beyond serde_json's recursion limit of 128
  kHeaderStructure,      // valid JSON of the wrong shape (crate refuses): not an object, bad tensor entry
  kDuplicateKey,         // a key repeated at any level (parse differential)
  kUnknownField,         // a tensor entry key other than dtype/shape/data_offsets (the crate ignores it)
  kUnknownDtype,         // dtype the crate does not know
  kShapeOverflow,        // element count or byte size overflows 64 bits (crate: ValidationOverflow)
  kSizeMismatch,         // end - begin != element count * dtype size (crate: TensorInvalidInfo)
  kBadOffsets,           // begin > end
  kOffsetOutOfBounds,    // end beyond the byte buffer
  kOverlap,              // two tensors share bytes
  kGap,                  // bytes of the buffer no tensor owns, before or between tensors
  kTrailingData,         // bytes after the last tensor (crate: MetadataIncompleteBuffer)
  kMetadataNotString,    // an __metadata__ value that is not a string (crate refuses the file)
  kMetadataNotObject,    // __metadata__ is neither an object nor null (crate refuses the file)
  kTooManyTensors,       // more than Limits::max_safetensors_tensors entries; the rest not checked
};

struct SafetensorsAnomaly {
  SafetensorsAnomalyKind kind;
  std::uint64_t offset = 0;  // byte offset in the input
  std::string detail;
  std::string tensor;        // tensor or key concerned, when there is one
};

// A dtype as the crate names it, with its size in bits (sub-byte types: F4 = 4, F6 = 6).
struct SafetensorsDtype {
  const char* name;
  std::uint32_t bits;
};
// The dtype called `name`, or nullopt when the crate does not know it.
std::optional<SafetensorsDtype> LookupSafetensorsDtype(std::string_view name);

struct SafetensorsTensor {
  std::string name;
  std::string dtype;                   // as written
  std::uint32_t dtype_bits = 0;        // 0 when the dtype is unknown
  std::vector<std::uint64_t> shape;
  std::uint64_t begin = 0;             // data_offsets, relative to the byte buffer
  std::uint64_t end = 0;
  std::optional<std::uint64_t> element_count;  // nullopt on overflow
  std::optional<std::uint64_t> expected_bytes; // element_count * bits / 8; nullopt when unknown
  // True when the entry is well formed (dtype known, shape and offsets
  // consistent, inside the buffer). Overlaps and gaps are about pairs of
  // tensors and do not clear it.
  bool valid = false;
};

struct SafetensorsMetadataEntry {
  std::string key;
  std::string value;       // the string, or the JSON rendering (cut at 4 KiB) of a non-string
  bool is_string = true;
  std::uint64_t value_bytes = 0;  // full length of the string (or rendering)
};

// A run of buffer bytes no tensor owns.
struct SafetensorsRegion {
  std::uint64_t offset = 0;  // absolute offset in the input
  std::uint64_t length = 0;
  bool trailing = false;     // after the last tensor (otherwise a gap)
};

struct SafetensorsFile {
  std::uint64_t header_length = 0;      // N as declared
  std::uint64_t data_offset = 0;        // 8 + N (may exceed the input size)
  std::uint64_t data_size = 0;          // bytes of the buffer present in the input
  bool header_parsed = false;           // JSON parsed (maybe with anomalies) and tensors collected
  bool has_metadata = false;            // "__metadata__" present (object or null)
  std::vector<SafetensorsMetadataEntry> metadata;  // in file order
  std::vector<SafetensorsTensor> tensors;          // in header order
  // Gaps and trailing bytes, by offset: at most
  // Limits::max_safetensors_unowned_regions gaps (a kGap anomaly counts the
  // rest), plus the trailing region.
  std::vector<SafetensorsRegion> unowned;
  std::uint64_t unrecorded_gaps = 0;       // gaps beyond the limit: counted, not listed
  std::uint64_t unrecorded_gap_bytes = 0;
  std::vector<SafetensorsAnomaly> anomalies;

  bool Has(SafetensorsAnomalyKind k) const;
  // True when the reference crate would load this file (no anomaly it refuses).
  bool CrateAccepts() const;
};

// Reads a safetensors file from memory.
// Returns kCorruption only when the input is shorter than the 8-byte length;
// every other problem is an anomaly, with header_parsed saying whether the
// tensor list is usable. The result owns its strings; `bytes` is not
// retained. Thread-safe.
Result<SafetensorsFile> ReadSafetensors(ByteView bytes, const Limits& limits);

// The bytes of `t` inside `file_bytes` (the same input given to
// ReadSafetensors), or an empty view when the tensor is not valid.
ByteView TensorBytes(const SafetensorsFile& f, const SafetensorsTensor& t, ByteView file_bytes);

}  // namespace modelgate

#endif  // MODELGATE_FORMATS_SAFETENSORS_SAFETENSORS_H_
