// NpyReader: a bounded, faithful reader of numpy's .npy format (versions
// 1.0, 2.0 and 3.0), as written by numpy.save and read by numpy.load.
//
// Layout: "\x93NUMPY", major, minor, header length (u16 LE for 1.0, u32 LE
// for 2.0/3.0), then a header that is the repr() of a Python dict
// {'descr': ..., 'fortran_order': ..., 'shape': (...), } (latin-1 for 1.x and
// 2.x, UTF-8 for 3.0), padded with spaces and a newline; then the array data.
// When the dtype holds Python objects anywhere (even in one nested structured
// field) the "data" is a pickle that numpy.load(allow_pickle=True)
// unpickles.
//
// numpy evaluates the header with ast.literal_eval. ReadNpy evaluates the
// same literal subset itself (strings with either quote and prefixes,
// implicit concatenation, ints incl. the Python 2 "L" suffix numpy strips,
// True/False/None, tuples, lists, dicts, sets, comments) with an explicit
// stack, never recursion, and reports constructs it does not evaluate
// (floats in odd places, complex, \N{} escapes, f-strings) as "unsupported"
// rather than guessing.
//
// The reader never decides severity: everything unusual is an NpyAnomaly.
#ifndef MODELGATE_FORMATS_NPY_NPY_H_
#define MODELGATE_FORMATS_NPY_NPY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate {

// True when `bytes` starts with the .npy magic "\x93NUMPY".
bool HasNpyMagic(ByteView bytes);

// How far the header could be understood.
enum class NpyHeaderState {
  kOk,           // parsed; descr, shape and fortran_order are valid for numpy
  kInvalid,      // numpy.load would reject the header too (bad version, syntax, keys ...)
  kUnsupported,  // a valid Python literal this reader does not evaluate: numpy may load it
  kTooLarge,     // header longer than Limits::max_header_bytes: not examined
};

enum class NpyAnomalyKind {
  kUnknownVersion,        // version other than 1.0, 2.0, 3.0 (numpy refuses)
  kHeaderTruncated,       // header length runs past the end of the input
  kHeaderTooLarge,        // header beyond Limits::max_header_bytes
  kHeaderOverNumpyLimit,  // > 10000 chars: numpy.load refuses unless allow_pickle=True
  kHeaderEncoding,        // 3.0 header that is not UTF-8
  kHeaderSyntax,          // not a Python literal (numpy raises)
  kHeaderUnsupported,     // a literal construct this reader does not evaluate
  kHeaderNotDict,
  kHeaderKeys,            // keys other than exactly descr, fortran_order, shape
  kDuplicateKey,          // same key twice: Python keeps the last one
  kBadShape,              // not a tuple of non-negative ints
  kShapeOverflow,         // element count or byte size overflows 64 bits
  kBadFortranOrder,       // not a bool
  kBadDescr,              // descr is not a dtype description numpy accepts
  kUnknownDtype,          // a type string this reader cannot size
  kDataTruncated,         // fewer data bytes than shape x itemsize
  kTrailingData,          // bytes after the array data (numpy ignores them)
  kEmptyObjectData,       // object dtype but no pickle bytes follow the header
};

struct NpyAnomaly {
  NpyAnomalyKind kind;
  std::uint64_t offset = 0;  // byte offset in the input
  std::string detail;
};

struct NpyFile {
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  std::uint64_t header_offset = 0;  // first byte of the dict text
  std::uint64_t header_length = 0;  // as declared
  std::uint64_t data_offset = 0;    // first byte after the header (may exceed input size)
  std::string header_text;          // the header as UTF-8 (empty when not read)

  NpyHeaderState header_state = NpyHeaderState::kInvalid;
  // Set when header_state is kOk; best effort otherwise.
  std::string descr;              // repr-like rendering of the descr value
  bool structured = false;        // descr is a list of fields (or a subarray tuple)
  // True when the dtype holds Python objects anywhere: numpy then treats the
  // data as a pickle. Computed conservatively, also for unsupported headers
  // whose descr could be found.
  bool has_object = false;
  std::vector<std::string> object_fields;  // field paths ("a/b") or "<descr>" for a plain 'O'
  std::vector<std::int64_t> shape;
  bool fortran_order = false;
  std::optional<std::uint64_t> element_count;
  std::optional<std::uint64_t> itemsize;             // unknown for unknown type strings
  std::optional<std::uint64_t> expected_data_bytes;  // element_count * itemsize, non-object only
  std::uint64_t data_bytes = 0;                      // bytes present after the header

  std::vector<NpyAnomaly> anomalies;

  bool Has(NpyAnomalyKind k) const;
};

// Reads an .npy file from memory.
// Returns kCorruption only when the input does not start with the .npy magic
// (or is shorter than the fixed preamble); every other problem is recorded in
// NpyFile::anomalies with header_state saying how far parsing got.
// The result owns all its strings; `bytes` is not retained. Thread-safe.
Result<NpyFile> ReadNpy(ByteView bytes, const Limits& limits);

// numpy's own cap on header text length (format._MAX_HEADER_SIZE).
inline constexpr std::uint64_t kNumpyMaxHeaderChars = 10000;

}  // namespace modelgate

#endif  // MODELGATE_FORMATS_NPY_NPY_H_
