// A ZIP reader that reads archives the way PyTorch's loader does.
//
// This reader is hand-written on purpose. PyTorch reads its checkpoints with
// miniz (caffe2/serialize/inline_container.cc -> third_party/miniz-*/miniz.c,
// mz_zip_reader_*), numpy's .npz and Keras 3 use Python's zipfile, and other
// tools use libarchive or Info-ZIP. These readers disagree on damaged and
// crafted archives (which duplicate wins, whether names are case-sensitive,
// whether local headers or CRCs are checked, where the archive starts), and
// those disagreements are exactly how a payload hides from a scanner that
// reads the archive one way while the loader reads it another. A library
// would give us one more opinion; this file gives us miniz's, with every
// point where another reader differs recorded as a ZipAnomaly.
//
// What ParseZip does (see docs/formats/zip.md for sources):
//   * finds the end-of-central-directory record (EOCD) by searching
//     backwards through the last 65,557 bytes, taking the signature closest
//     to the end that leaves room for a full record (miniz and zipfile agree);
//   * reads the ZIP64 locator and record when present;
//   * reads every central directory record within the declared central
//     directory size (zipfile's rule), marking which ones fall within the
//     declared entry count (miniz's rule: it indexes exactly that many);
//   * reads each entry's local header to find its data, comparing it with
//     the central record (miniz only checks the local signature; zipfile
//     compares the name);
//   * records anomalies instead of failing wherever the bytes still allow
//     a reading, because a scanner must see what any reader could see.
//
// Damaged-input policy: ParseZip fails only when no central directory can be
// located at all (no EOCD, directory outside the file) or when a Limits bound
// is hit. Everything else is recorded as an anomaly and parsing goes on; a
// central directory that breaks part-way yields the entries read so far plus
// a kCentralDirectoryCorrupt anomaly.
//
// Thread-safety: all functions are pure; ZipArchive is a value. Lifetime:
// every ByteView in a ZipArchive or ZipEntry borrows from the `file` passed
// to ParseZip, which must outlive them.
#ifndef MODELGATE_FORMATS_ZIP_ZIP_READER_H_
#define MODELGATE_FORMATS_ZIP_ZIP_READER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate {

// Compression methods the reader knows by number.
inline constexpr std::uint16_t kZipMethodStored = 0;
inline constexpr std::uint16_t kZipMethodDeflate = 8;

enum class ZipAnomalyKind {
  kDuplicateName,             // two central records with byte-identical names
  kCaseInsensitiveCollision,  // names equal only ignoring ASCII case (miniz: same file)
  kLocalNameMismatch,         // local header name differs from the central name
  kLocalHeaderMismatch,       // local method/flags/CRC/sizes differ from the central record
  kBadLocalHeader,            // no local header signature where the central record points
  kEntryOutOfBounds,          // local header or data runs past the end of the file
  kEncrypted,                 // general-purpose flag bit 0, 6 or 13 (or patch bit 5)
  kUnsupportedMethod,         // compression method other than stored or deflate
  kSizeInconsistent,          // stored with comp != uncomp, or data with comp == 0 (miniz refuses)
  kDirectoryWithData,         // a "directory" entry (name ends '/', DOS dir attr) holding data
  kPrefixBytes,               // bytes before the first ZIP structure
  kOffsetsRelativeToPrefix,   // offsets only work shifted by the prefix (zipfile reads, miniz fails)
  kOverlappingEntries,        // data ranges overlap, or a local header sits inside other data
  kTrailingBytes,             // bytes after the EOCD record and its comment
  kCommentLengthMismatch,     // EOCD comment length runs past the end of the file
  kArchiveComment,            // the EOCD carries a comment (informational)
  kZip64Inconsistent,         // ZIP64 locator/record missing, misplaced or contradicting the EOCD
  kEntryCountMismatch,        // declared entry count differs from the records in the directory
  kCentralDirectoryCorrupt,   // a central record is truncated or lacks its signature
};

// Stable lower-kebab name of the kind, e.g. "duplicate-name".
std::string_view ZipAnomalyKindName(ZipAnomalyKind kind);

struct ZipAnomaly {
  ZipAnomalyKind kind;
  std::string member;   // central name of the entry concerned; "" for the archive
  std::optional<std::uint32_t> entry;  // ZipEntry::index of that entry; nullopt for the archive
  std::uint64_t offset = 0;  // absolute file offset where it was seen
  std::string detail;   // one sentence, with the values that disagree
};

struct ZipEntry {
  std::uint32_t index = 0;        // position in the central directory
  std::string name;               // central directory name (raw bytes)
  std::string local_name;         // local header name (raw bytes); "" if unreadable
  std::uint16_t flags = 0;        // central general-purpose flags
  std::uint16_t method = 0;       // central compression method
  std::uint16_t local_flags = 0;
  std::uint16_t local_method = 0;
  std::uint32_t crc32 = 0;        // central CRC-32 of the uncompressed data
  std::uint64_t compressed_size = 0;    // central (ZIP64-resolved)
  std::uint64_t uncompressed_size = 0;  // central (ZIP64-resolved)
  std::uint32_t external_attributes = 0;
  std::uint64_t central_header_offset = 0;  // absolute
  std::uint64_t local_header_offset = 0;    // absolute (stored offset + ZipArchive::offset_bias)
  std::uint64_t data_offset = 0;            // absolute; valid when has_local_header
  // True when a local header signature, name and extra field were read at
  // local_header_offset.
  bool has_local_header = false;
  // Whether miniz indexes this record: it reads exactly the EOCD's declared
  // count, while zipfile reads every record within the directory's size.
  bool in_declared_count = true;
  // True when the local header was found and [data_offset, data_offset +
  // compressed_size) lies inside the file; `data` is then that range.
  bool has_data = false;
  ByteView data;  // raw (possibly compressed) bytes, borrowed from the file

  // Encrypted (bits 0, 6, 13) or a patch (bit 5): miniz refuses to extract.
  bool IsEncrypted() const;
  // False only when no common reader can get at the plaintext: bit 0
  // (traditional encryption), 5 (patch) or 6 (strong encryption). Python's
  // zipfile ignores bit 13 (masked local header) and reads the data as is,
  // so such members must still be scanned.
  bool PlaintextReadable() const;
  // miniz's mz_zip_reader_is_file_a_directory: name ends in '/' or the DOS
  // directory attribute (0x10) is set. miniz extracts nothing for these.
  bool IsDirectory() const;
};

struct ZipArchive {
  std::vector<ZipEntry> entries;  // central directory order
  // First byte of ZIP structure (the lowest local header or the central
  // directory); bytes [0, archive_start) are prefix bytes.
  std::uint64_t archive_start = 0;
  // Added to every stored offset to get a file offset. 0 for a normal
  // archive (miniz's reading); non-zero when the archive was appended to
  // other bytes without fixing its offsets (zipfile's "concat").
  std::uint64_t offset_bias = 0;
  std::uint64_t eocd_offset = 0;
  std::uint64_t central_directory_offset = 0;  // absolute
  std::uint64_t central_directory_size = 0;
  std::uint64_t declared_entries = 0;  // EOCD (or ZIP64) total entry count
  bool zip64 = false;
  ByteView comment;              // EOCD comment, clipped to the file
  std::uint64_t trailing_bytes = 0;  // after EOCD + comment
  std::vector<ZipAnomaly> anomalies;
};

// Parses the container structure of `file`. Reads no entry data beyond local
// headers. On success the archive may still carry anomalies.
// Fails with kCorruption when no EOCD is found or the central directory lies
// outside the file, kLimitExceeded when the archive holds more than
// limits.max_archive_entries records.
Result<ZipArchive> ParseZip(ByteView file, const Limits& limits);

struct ExtractedEntry {
  std::vector<std::uint8_t> bytes;
  // CRC-32 of `bytes` equals the central CRC. PyTorch never checks this:
  // it builds miniz with MINIZ_DISABLE_ZIP_READER_CRC32_CHECKS
  // (cmake/Dependencies.cmake), while zipfile raises BadZipFile.
  bool crc_ok = false;
  // bytes.size() == entry.uncompressed_size. miniz fails the record when
  // this is false (MZ_ZIP_UNEXPECTED_DECOMPRESSED_SIZE / overflow).
  bool size_ok = false;
};

// Decompresses one entry (stored or raw deflate), producing at most max_out
// bytes. Trailing bytes after the end of a deflate stream are ignored, as
// miniz does. Returns kLimitExceeded when the output would exceed max_out,
// kNotSupported for encrypted entries and other methods, kCorruption when
// the entry has no readable data or the deflate stream is invalid or ends
// early. Thread-safe.
Result<ExtractedEntry> ExtractEntry(const ZipEntry& entry, std::uint64_t max_out);

// Name lookup exactly as PyTorch performs it: mz_zip_reader_locate_file(...,
// flags 0) on an archive opened without MZ_ZIP_FLAG_DO_NOT_SORT_CENTRAL_
// DIRECTORY. miniz heap-sorts the first `declared_entries` records by ASCII-
// lower-cased name and binary-searches them case-insensitively, so among
// duplicates the one found depends on the heap order (neither first nor
// last), and "A/DATA.PKL" matches a query for "a/data.pkl". The query is cut
// at its first NUL, as miniz takes a C string. Building the index is
// O(n log n); reuse one MinizNameIndex for several lookups.
// The index borrows `archive`, which must outlive it and stay unchanged.
class MinizNameIndex {
 public:
  explicit MinizNameIndex(const ZipArchive& archive);
  // Returns the entry PyTorch would read for `name`, or nullptr.
  const ZipEntry* Find(std::string_view name) const;

 private:
  const ZipArchive& archive_;
  std::vector<std::uint32_t> sorted_;  // entry indices in miniz's heap-sorted order
};

// One-shot form of MinizNameIndex::Find.
const ZipEntry* FindEntryLikePyTorch(const ZipArchive& archive, std::string_view name);

// Name lookup as Python's zipfile (numpy.load of .npz, Keras 3) performs it:
// every record in the central directory, names cut at the first NUL,
// case-sensitive, the LAST duplicate wins (NameToInfo is a dict filled in
// directory order). Names are compared as raw bytes, which equals zipfile's
// decoded comparison for ASCII queries. Returns nullptr when absent.
const ZipEntry* FindEntryLikeZipfile(const ZipArchive& archive, std::string_view name);

// The folder PyTorch prefixes to every record name: the first central
// record's name up to its first '/' (PyTorchStreamReader::init). nullopt
// when the archive is empty or that name has no '/' (PyTorch then refuses
// the file).
std::optional<std::string> PyTorchArchivePrefix(const ZipArchive& archive);

// True when the archive holds a record "<prefix>/constants.pkl" (exact,
// case-sensitive), the test torch.load uses (_is_torchscript_zip) to hand the
// file to torch.jit.load.
bool LooksLikeTorchScript(const ZipArchive& archive, std::string_view prefix);

}  // namespace modelgate

#endif  // MODELGATE_FORMATS_ZIP_ZIP_READER_H_
