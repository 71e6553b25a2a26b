// Archive and compression layer: single-stream decompression (gzip, zlib,
// bzip2, xz, lzma-alone, zstd) and member listing for tar (ustar, GNU, pax)
// and 7z, all from memory and all bounded.
//
// One layer per call. Decompress() undoes exactly one codec (libarchive is
// driven with archive_read_append_filter, which bypasses filter bidding, so
// an xz inside an xz is NOT unwrapped twice), and ReadArchiveMembers() reads
// tar/7z with no decompression filter at all: a .tar.gz is gunzipped by one
// call, and the scanner routes the result again, so every layer is charged
// against the decompression budget and checked for its expansion ratio.
//
// Readers report what they saw (anomalies as data); they never decide what
// is dangerous. All functions are thread-safe (no shared state) and never
// retain `in`.
#ifndef MODELGATE_FORMATS_ARCHIVE_ARCHIVE_READER_H_
#define MODELGATE_FORMATS_ARCHIVE_ARCHIVE_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate {

enum class Codec { kGzip, kZlib, kBzip2, kXz, kLzmaAlone, kZstd };

// "gzip", "zlib", "bzip2", "xz", "lzma", "zstd".
std::string_view CodecName(Codec c);

// The outcome of decompressing one stream, partial results included.
struct DecompressedStream {
  std::vector<std::uint8_t> bytes;  // at most max_out bytes
  bool limit_hit = false;   // the stream would produce more than max_out bytes
  bool truncated = false;   // input ended inside the stream
  bool corrupt = false;     // the decoder failed (bytes holds what came before)
  std::string error;        // decoder message when truncated or corrupt
  std::uint32_t members = 0;        // complete gzip members (1 for a complete other stream)
  std::uint64_t trailing_offset = 0;  // gzip/zlib: where non-stream bytes start
  std::uint64_t trailing_bytes = 0;   // gzip/zlib: bytes after the last complete stream
                                      // (gzip: NUL padding, which gzip tools skip, excluded)
};

// Decompresses one stream of codec `c`, keeping at most `max_out` bytes.
// gzip: every concatenated member is read (as gzip(1) and Python's gzip
// module do); zlib: one stream. Damage after some output is reported in the
// result (truncated / corrupt with the bytes produced so far); returns
// kCorruption only when the input is not a stream of that codec at all (no
// output could be produced). Never allocates more than about max_out bytes.
Result<DecompressedStream> DecompressStream(ByteView in, Codec c, std::uint64_t max_out);

// Strict form: the whole stream or an error. kLimitExceeded when the output
// would exceed max_out (decompression bombs), kCorruption when the stream is
// truncated, damaged, or followed by non-stream bytes.
Result<std::vector<std::uint8_t>> Decompress(ByteView in, Codec c, std::uint64_t max_out);

enum class ArchiveKind { kTar, kSevenZip };

enum class MemberType {
  kRegular,
  kDirectory,
  kSymlink,
  kHardlink,
  kCharDevice,
  kBlockDevice,
  kFifo,
  kSocket,
  kOther,
};
std::string_view MemberTypeName(MemberType t);

struct ArchiveMember {
  std::string name;         // as stored (raw bytes, no normalisation)
  MemberType type = MemberType::kOther;
  std::string link_target;  // symlink / hardlink target
  std::uint64_t header_offset = 0;  // libarchive's header position in the input
  std::uint64_t declared_size = 0;
  std::uint32_t mode = 0;
  bool encrypted = false;
  // Regular members only: the data, shared so the scanner can queue it
  // without a copy. Null when not read (not regular, limits reached).
  std::shared_ptr<const std::vector<std::uint8_t>> data;
  bool data_capped = false;     // larger than the member limit: data holds a prefix
  bool data_truncated = false;  // the archive ended / failed inside this member's data
};

enum class ArchiveAnomalyKind {
  kAbsolutePath,      // name starts with '/' (or a drive letter / backslash)
  kParentTraversal,   // a ".." component in the name
  kLinkEscapes,       // symlink/hardlink target absolute or with ".."
  kDuplicateName,     // same name (after "./" and "/" normalisation) twice
  kSymlink,
  kHardlink,
  kSpecialFile,       // device, fifo, socket
  kEncrypted,         // member data encrypted (7z): not readable
  kMemberTooLarge,    // member larger than Limits::max_member_bytes: prefix kept
  kBudgetExhausted,   // total extracted bytes reached the budget: later data not read
  kEntryLimit,        // more entries than Limits::max_archive_entries
  kTruncated,         // input ended inside a header or member data
  kCorrupt,           // the reader failed (bad checksum, bad 7z header ...)
  kReaderWarning,     // libarchive recovered from something (ARCHIVE_WARN)
  kEmptyName,
};

struct ArchiveAnomaly {
  ArchiveAnomalyKind kind;
  std::string member;  // empty when about the archive as a whole
  std::uint64_t offset = 0;
  std::string detail;
};

struct ArchiveListing {
  ArchiveKind kind = ArchiveKind::kTar;
  std::string format_name;  // libarchive's name, e.g. "POSIX pax interchange format"
  std::vector<ArchiveMember> members;
  std::vector<ArchiveAnomaly> anomalies;
  bool complete = false;     // the end of the archive was reached cleanly
  std::uint64_t data_bytes = 0;  // member bytes kept, in total

  bool Has(ArchiveAnomalyKind k) const;
};

// Lists a tar or 7z archive from memory and reads regular members' data.
// Each member keeps at most limits.max_member_bytes; all members together at
// most `budget` bytes (later members are listed without data). For 7z,
// reaching a member means decompressing everything before it in its solid
// block, so listing stops once the declared sizes seen pass `budget`.
// Returns kCorruption when the input is neither (no first header could be
// read); damage later on is in anomalies with complete == false.
Result<ArchiveListing> ReadArchiveMembers(ByteView in, const Limits& limits, std::uint64_t budget);

}  // namespace modelgate

#endif  // MODELGATE_FORMATS_ARCHIVE_ARCHIVE_READER_H_
