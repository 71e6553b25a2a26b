// ZIP container reader, faithful to miniz as PyTorch builds it.
//
// Parsing runs in four passes over bounded data:
//   1. locate the EOCD (and ZIP64 records) near the end of the file;
//   2. decide where the central directory is: at its stored offset, as miniz
//      reads it, or shifted by the bytes before the archive, as zipfile's
//      "concat" logic reads it;
//   3. read each central record, then its local header;
//   4. cross-check the entries: overlaps (sort by offset), duplicates and
//      case collisions (hash maps).
// Nothing here recurses, and the number of records is bounded by
// Limits::max_archive_entries. Each place where miniz, zipfile or a
// streaming reader would see something different becomes a ZipAnomaly.
#include "formats/zip/zip_reader.h"

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <utility>

namespace modelgate {
namespace {

constexpr std::uint32_t kLocalHeaderSig = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSig = 0x02014b50;
constexpr std::uint32_t kEocdSig = 0x06054b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::uint32_t kZip64EocdSig = 0x06064b50;

constexpr std::uint64_t kLocalHeaderSize = 30;
constexpr std::uint64_t kCentralHeaderSize = 46;
constexpr std::uint64_t kEocdSize = 22;
constexpr std::uint64_t kZip64LocatorSize = 20;
constexpr std::uint64_t kZip64EocdSize = 56;
// miniz gives up once it has searched back 0xFFFF + 22 bytes; zipfile
// searches the last (1 << 16) + 22. The comment is at most 0xFFFF bytes.
constexpr std::uint64_t kEocdSearchWindow = 0xFFFF + kEocdSize;

constexpr std::uint16_t kFlagEncrypted = 1u << 0;
constexpr std::uint16_t kFlagDataDescriptor = 1u << 3;
constexpr std::uint16_t kFlagPatch = 1u << 5;
constexpr std::uint16_t kFlagStrongEncryption = 1u << 6;
constexpr std::uint16_t kFlagMaskedLocalHeader = 1u << 13;
constexpr std::uint32_t kDosDirectoryAttribute = 0x10;
constexpr std::uint32_t kU32Sentinel = 0xFFFFFFFFu;
constexpr std::uint16_t kZip64ExtraId = 0x0001;

// True when [off, off + len) lies inside a buffer of `size` bytes, computed
// without overflow.
bool Fits(std::uint64_t off, std::uint64_t len, std::uint64_t size) {
  return off <= size && len <= size - off;
}

std::uint32_t SigAt(ByteView file, std::uint64_t off) {
  if (!Fits(off, 4, file.size())) return 0;
  return LoadU32LE(file, static_cast<std::size_t>(off));
}

unsigned char AsciiLower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; }

std::string Lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(AsciiLower(static_cast<unsigned char>(c)));
  return out;
}

// Printable form of a raw name for anomaly details.
std::string Printable(std::string_view raw) {
  std::string out;
  for (unsigned char c : raw) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
    if (out.size() > 300) {
      out += "...";
      break;
    }
  }
  return out;
}

std::string Hex16(std::uint16_t v) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(v >> shift) & 15]);
  return out;
}

// Records an anomaly about entry `e` (nullptr: the archive as a whole).
void Add(ZipArchive& a, ZipAnomalyKind kind, const ZipEntry* e, std::uint64_t offset, std::string detail) {
  ZipAnomaly an{kind, e ? e->name : std::string(), std::nullopt, offset, std::move(detail)};
  if (e) an.entry = e->index;
  a.anomalies.push_back(std::move(an));
}

// Walks an extra-field block looking for the ZIP64 extended information
// field. Returns a view of its payload, or nullopt when absent; *malformed
// is set when the block's field lengths run past its end.
std::optional<ByteView> FindZip64Extra(ByteView extra, bool* malformed) {
  ByteReader r(extra);
  while (r.remaining() >= 4) {
    std::uint16_t id = 0, len = 0;
    (void)r.ReadU16LE(&id);
    (void)r.ReadU16LE(&len);
    ByteView payload;
    if (!r.ReadBytes(len, &payload)) {
      *malformed = true;
      return std::nullopt;
    }
    if (id == kZip64ExtraId) return payload;
  }
  if (!r.at_end()) *malformed = true;
  return std::nullopt;
}

struct Eocd {
  std::uint64_t offset = 0;
  std::uint16_t disk = 0, cd_disk = 0, entries_disk = 0, entries_total = 0;
  std::uint32_t cd_size = 0, cd_offset = 0;
  std::uint16_t comment_len = 0;
};

// miniz's mz_zip_reader_locate_header_sig: the signature closest to the end
// of the file that leaves room for a whole record.
std::optional<Eocd> FindEocd(ByteView file) {
  const std::uint64_t size = file.size();
  if (size < kEocdSize) return std::nullopt;
  const std::uint64_t lowest = size > kEocdSearchWindow ? size - kEocdSearchWindow : 0;
  for (std::uint64_t pos = size - kEocdSize + 1; pos-- > lowest;) {
    if (SigAt(file, pos) != kEocdSig) continue;
    ByteReader r(file);
    (void)r.Seek(pos + 4);
    Eocd e;
    e.offset = pos;
    (void)r.ReadU16LE(&e.disk);
    (void)r.ReadU16LE(&e.cd_disk);
    (void)r.ReadU16LE(&e.entries_disk);
    (void)r.ReadU16LE(&e.entries_total);
    (void)r.ReadU32LE(&e.cd_size);
    (void)r.ReadU32LE(&e.cd_offset);
    (void)r.ReadU16LE(&e.comment_len);
    return e;
  }
  return std::nullopt;
}

struct Zip64Record {
  std::uint64_t offset = 0;
  std::uint64_t entries_disk = 0, entries_total = 0, cd_size = 0, cd_offset = 0;
};

std::optional<Zip64Record> ReadZip64Record(ByteView file, std::uint64_t off) {
  if (!Fits(off, kZip64EocdSize, file.size()) || SigAt(file, off) != kZip64EocdSig) return std::nullopt;
  Zip64Record z;
  z.offset = off;
  z.entries_disk = LoadU64LE(file, static_cast<std::size_t>(off + 24));
  z.entries_total = LoadU64LE(file, static_cast<std::size_t>(off + 32));
  z.cd_size = LoadU64LE(file, static_cast<std::size_t>(off + 40));
  z.cd_offset = LoadU64LE(file, static_cast<std::size_t>(off + 48));
  return z;
}

// Reads the ZIP64 locator and record that precede the EOCD, if any, and
// reports where miniz (locator's offset) and zipfile (fixed position just
// before the locator) would disagree.
std::optional<Zip64Record> ReadZip64(ByteView file, const Eocd& eocd, ZipArchive& a) {
  const bool sentinels = eocd.entries_total == 0xFFFF || eocd.entries_disk == 0xFFFF ||
                         eocd.cd_size == kU32Sentinel || eocd.cd_offset == kU32Sentinel;
  if (eocd.offset < kZip64LocatorSize || SigAt(file, eocd.offset - kZip64LocatorSize) != kZip64LocatorSig) {
    if (sentinels) {
      Add(a, ZipAnomalyKind::kZip64Inconsistent, nullptr, eocd.offset,
          "EOCD fields hold ZIP64 sentinel values but no ZIP64 locator precedes it");
    }
    return std::nullopt;
  }
  const std::uint64_t loc = eocd.offset - kZip64LocatorSize;
  const std::uint64_t miniz_off = LoadU64LE(file, static_cast<std::size_t>(loc + 8));
  const std::uint32_t disks = LoadU32LE(file, static_cast<std::size_t>(loc + 16));
  std::optional<Zip64Record> by_locator = ReadZip64Record(file, miniz_off);
  std::optional<Zip64Record> by_position;
  if (loc >= kZip64EocdSize) by_position = ReadZip64Record(file, loc - kZip64EocdSize);

  if (disks != 1) {
    Add(a, ZipAnomalyKind::kZip64Inconsistent, nullptr, loc,
        "ZIP64 locator claims " + std::to_string(disks) + " disks (miniz requires exactly 1)");
  }
  if (by_locator && by_position && by_locator->offset != by_position->offset) {
    Add(a, ZipAnomalyKind::kZip64Inconsistent, nullptr, loc,
        "ZIP64 locator points to a record at " + std::to_string(miniz_off) +
            " but another record sits right before the locator at " + std::to_string(by_position->offset) +
            " (miniz reads the first, zipfile the second)");
  } else if (by_locator && !by_position) {
    if (miniz_off + kZip64EocdSize != loc) {
      Add(a, ZipAnomalyKind::kZip64Inconsistent, nullptr, loc,
          "ZIP64 record at " + std::to_string(miniz_off) +
              " is not directly before its locator (zipfile does not find it there)");
    }
  } else if (!by_locator && by_position) {
    Add(a, ZipAnomalyKind::kZip64Inconsistent, nullptr, loc,
        "ZIP64 locator offset " + std::to_string(miniz_off) +
            " does not point to a ZIP64 record; zipfile finds one before the locator, miniz does not");
    return by_position;
  } else if (!by_locator && !by_position) {
    Add(a, ZipAnomalyKind::kZip64Inconsistent, nullptr, loc, "ZIP64 locator present but no ZIP64 record found");
    return std::nullopt;
  }
  return by_locator ? by_locator : by_position;
}

struct Span {
  std::uint64_t begin, end;
  std::size_t entry;  // index into entries, or SIZE_MAX for the central directory
};

void ReadLocalHeader(ByteView file, ZipEntry& e, ZipArchive& a) {
  const std::uint64_t lh = e.local_header_offset;
  if (!Fits(lh, kLocalHeaderSize, file.size())) {
    Add(a, ZipAnomalyKind::kEntryOutOfBounds, &e, lh,
        "local header offset " + std::to_string(lh) + " lies past the end of the file");
    return;
  }
  if (SigAt(file, lh) != kLocalHeaderSig) {
    Add(a, ZipAnomalyKind::kBadLocalHeader, &e, lh, "no local header signature at offset " + std::to_string(lh));
    return;
  }
  ByteReader r(file);
  (void)r.Seek(lh + 6);
  std::uint16_t flags = 0, method = 0, time = 0, date = 0, name_len = 0, extra_len = 0;
  std::uint32_t crc = 0, comp32 = 0, uncomp32 = 0;
  (void)r.ReadU16LE(&flags);
  (void)r.ReadU16LE(&method);
  (void)r.ReadU16LE(&time);
  (void)r.ReadU16LE(&date);
  (void)r.ReadU32LE(&crc);
  (void)r.ReadU32LE(&comp32);
  (void)r.ReadU32LE(&uncomp32);
  (void)r.ReadU16LE(&name_len);
  (void)r.ReadU16LE(&extra_len);
  e.local_flags = flags;
  e.local_method = method;
  ByteView name, extra;
  if (!r.ReadBytes(name_len, &name) || !r.ReadBytes(extra_len, &extra)) {
    Add(a, ZipAnomalyKind::kEntryOutOfBounds, &e, lh, "local header name/extra run past the end of the file");
    return;
  }
  e.local_name = std::string(AsStringView(name));
  e.data_offset = r.pos();
  e.has_local_header = true;

  if (e.local_name != e.name) {
    Add(a, ZipAnomalyKind::kLocalNameMismatch, &e, lh,
        "central name '" + Printable(e.name) + "' but local header name '" + Printable(e.local_name) +
            "' (miniz ignores the local name; zipfile refuses the member; streaming readers use the local name)");
  }
  std::string diffs;
  if (method != e.method) diffs += " method " + std::to_string(method) + " vs " + std::to_string(e.method) + ";";
  if ((flags & kFlagEncrypted) != (e.flags & kFlagEncrypted)) diffs += " encryption flag differs;";
  const bool descriptor = (flags & kFlagDataDescriptor) != 0 && crc == 0 && comp32 == 0 && uncomp32 == 0;
  if (!descriptor) {
    std::uint64_t comp = comp32, uncomp = uncomp32;
    if (comp32 == kU32Sentinel || uncomp32 == kU32Sentinel) {
      bool malformed = false;
      std::optional<ByteView> z = FindZip64Extra(extra, &malformed);
      // The local ZIP64 field always carries both sizes (APPNOTE 4.5.3).
      if (z && z->size() >= 16) {
        uncomp = LoadU64LE(*z, 0);
        comp = LoadU64LE(*z, 8);
      }
    }
    if (crc != e.crc32) diffs += " crc32;";
    if (comp != e.compressed_size) {
      diffs += " compressed size " + std::to_string(comp) + " vs " + std::to_string(e.compressed_size) + ";";
    }
    if (uncomp != e.uncompressed_size) {
      diffs += " uncompressed size " + std::to_string(uncomp) + " vs " + std::to_string(e.uncompressed_size) + ";";
    }
  }
  if (!diffs.empty()) {
    diffs.pop_back();
    Add(a, ZipAnomalyKind::kLocalHeaderMismatch, &e, lh, "local header disagrees with central record (local vs central):" + diffs);
  }
  if (!Fits(e.data_offset, e.compressed_size, file.size())) {
    Add(a, ZipAnomalyKind::kEntryOutOfBounds, &e, e.data_offset,
        "data of " + std::to_string(e.compressed_size) + " bytes at offset " + std::to_string(e.data_offset) +
            " runs past the end of the file");
    return;
  }
  e.has_data = true;
  e.data = file.subspan(static_cast<std::size_t>(e.data_offset), static_cast<std::size_t>(e.compressed_size));
}

// Reads one central record at r.pos(). Returns false (having recorded
// kCentralDirectoryCorrupt) when it is truncated or lacks its signature.
bool ReadCentralRecord(ByteReader& r, std::uint64_t cd_base, std::uint64_t bias, ZipEntry& e, ZipArchive& a) {
  const std::uint64_t at = cd_base + r.pos();
  std::uint32_t sig = 0;
  if (r.remaining() < kCentralHeaderSize || !r.ReadU32LE(&sig) || sig != kCentralHeaderSig) {
    Add(a, ZipAnomalyKind::kCentralDirectoryCorrupt, nullptr, at,
        "central directory record " + std::to_string(a.entries.size()) + " is truncated or lacks its signature");
    return false;
  }
  std::uint16_t made_by = 0, needed = 0, time = 0, date = 0, name_len = 0, extra_len = 0, comment_len = 0;
  std::uint16_t disk = 0, internal = 0;
  std::uint32_t comp32 = 0, uncomp32 = 0, off32 = 0;
  (void)r.ReadU16LE(&made_by);
  (void)r.ReadU16LE(&needed);
  (void)r.ReadU16LE(&e.flags);
  (void)r.ReadU16LE(&e.method);
  (void)r.ReadU16LE(&time);
  (void)r.ReadU16LE(&date);
  (void)r.ReadU32LE(&e.crc32);
  (void)r.ReadU32LE(&comp32);
  (void)r.ReadU32LE(&uncomp32);
  (void)r.ReadU16LE(&name_len);
  (void)r.ReadU16LE(&extra_len);
  (void)r.ReadU16LE(&comment_len);
  (void)r.ReadU16LE(&disk);
  (void)r.ReadU16LE(&internal);
  (void)r.ReadU32LE(&e.external_attributes);
  (void)r.ReadU32LE(&off32);
  ByteView name, extra, comment;
  if (!r.ReadBytes(name_len, &name) || !r.ReadBytes(extra_len, &extra) || !r.ReadBytes(comment_len, &comment)) {
    Add(a, ZipAnomalyKind::kCentralDirectoryCorrupt, nullptr, at,
        "central directory record " + std::to_string(a.entries.size()) + " runs past the directory's end");
    return false;
  }
  e.name = std::string(AsStringView(name));
  e.central_header_offset = at;
  e.compressed_size = comp32;
  e.uncompressed_size = uncomp32;
  std::uint64_t off = off32;
  if (comp32 == kU32Sentinel || uncomp32 == kU32Sentinel || off32 == kU32Sentinel) {
    // mz_zip_file_stat_internal: fields present in this order, only for
    // the values that hold the sentinel.
    bool malformed = false;
    std::optional<ByteView> z = FindZip64Extra(extra, &malformed);
    bool short_field = false;
    if (z) {
      ByteReader zr(*z);
      if (uncomp32 == kU32Sentinel && !zr.ReadU64LE(&e.uncompressed_size)) short_field = true;
      if (comp32 == kU32Sentinel && !short_field && !zr.ReadU64LE(&e.compressed_size)) short_field = true;
      if (off32 == kU32Sentinel && !short_field && !zr.ReadU64LE(&off)) short_field = true;
    }
    if (!z || malformed || short_field) {
      Add(a, ZipAnomalyKind::kZip64Inconsistent, &e, at,
          "record holds ZIP64 sentinel values without a complete ZIP64 extra field");
    }
  }
  if (off > std::numeric_limits<std::uint64_t>::max() - bias) {
    off = std::numeric_limits<std::uint64_t>::max();
  } else {
    off += bias;
  }
  e.local_header_offset = off;

  if (e.IsEncrypted()) {
    Add(a, ZipAnomalyKind::kEncrypted, &e, at,
        "general-purpose flags " + Hex16(e.flags) + " mark the entry encrypted or patched");
  }
  if (e.method != kZipMethodStored && e.method != kZipMethodDeflate) {
    Add(a, ZipAnomalyKind::kUnsupportedMethod, &e, at,
        "compression method " + std::to_string(e.method) + " (miniz reads only stored and deflate)");
  }
  if (comp32 != kU32Sentinel && uncomp32 != kU32Sentinel &&
      ((e.method == kZipMethodStored && comp32 != uncomp32) || (uncomp32 != 0 && comp32 == 0))) {
    Add(a, ZipAnomalyKind::kSizeInconsistent, &e, at,
        "compressed size " + std::to_string(comp32) + " and uncompressed size " + std::to_string(uncomp32) +
            " are impossible for method " + std::to_string(e.method) + " (miniz refuses the whole archive)");
  }
  if (e.IsDirectory() && e.compressed_size > 0) {
    Add(a, ZipAnomalyKind::kDirectoryWithData, &e, at,
        "entry is a directory to miniz (name ends in '/' or DOS directory attribute) yet holds " +
            std::to_string(e.compressed_size) + " bytes");
  }
  return true;
}

void CheckOverlaps(ZipArchive& a) {
  std::vector<Span> spans;
  spans.reserve(a.entries.size() + 1);
  for (std::size_t i = 0; i < a.entries.size(); ++i) {
    const ZipEntry& e = a.entries[i];
    if (!e.has_local_header) continue;
    std::uint64_t end = e.has_data ? e.data_offset + e.compressed_size : e.data_offset;
    spans.push_back(Span{e.local_header_offset, end, i});
  }
  if (a.central_directory_size > 0) {
    spans.push_back(Span{a.central_directory_offset, a.central_directory_offset + a.central_directory_size,
                         static_cast<std::size_t>(-1)});
  }
  std::sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) {
    return x.begin != y.begin ? x.begin < y.begin : x.end < y.end;
  });
  auto label = [&](std::size_t idx) {
    return idx == static_cast<std::size_t>(-1) ? std::string("<central directory>")
                                               : "'" + Printable(a.entries[idx].name) + "'";
  };
  std::uint64_t max_end = 0;
  std::size_t max_owner = 0;
  bool have = false;
  for (const Span& s : spans) {
    if (have && s.begin < max_end) {
      const ZipEntry* member = s.entry == static_cast<std::size_t>(-1) ? nullptr : &a.entries[s.entry];
      Add(a, ZipAnomalyKind::kOverlappingEntries, member, s.begin,
          label(s.entry) + " at " + std::to_string(s.begin) + " overlaps " + label(max_owner) + " which extends to " +
              std::to_string(max_end));
    }
    if (!have || s.end > max_end) {
      max_end = s.end;
      max_owner = s.entry;
      have = true;
    }
  }
}

void CheckNames(ZipArchive& a) {
  std::unordered_map<std::string, std::uint32_t> exact;
  std::unordered_map<std::string, std::uint32_t> folded;
  exact.reserve(a.entries.size());
  folded.reserve(a.entries.size());
  for (const ZipEntry& e : a.entries) {
    auto [it, inserted] = exact.emplace(e.name, e.index);
    if (!inserted) {
      Add(a, ZipAnomalyKind::kDuplicateName, &e, e.central_header_offset,
          "central records " + std::to_string(it->second) + " and " + std::to_string(e.index) + " are both named '" +
              Printable(e.name) + "'");
      continue;
    }
    auto [fit, finserted] = folded.emplace(Lowered(e.name), e.index);
    if (!finserted) {
      Add(a, ZipAnomalyKind::kCaseInsensitiveCollision, &e, e.central_header_offset,
          "'" + Printable(e.name) + "' (record " + std::to_string(e.index) + ") equals '" +
              Printable(a.entries[fit->second].name) + "' (record " + std::to_string(fit->second) +
              ") ignoring case; miniz treats them as one name");
    }
  }
}

}  // namespace

std::string_view ZipAnomalyKindName(ZipAnomalyKind kind) {
  switch (kind) {
    case ZipAnomalyKind::kDuplicateName: return "duplicate-name";
    case ZipAnomalyKind::kCaseInsensitiveCollision: return "case-insensitive-collision";
    case ZipAnomalyKind::kLocalNameMismatch: return "local-name-mismatch";
    case ZipAnomalyKind::kLocalHeaderMismatch: return "local-header-mismatch";
    case ZipAnomalyKind::kBadLocalHeader: return "bad-local-header";
    case ZipAnomalyKind::kEntryOutOfBounds: return "entry-out-of-bounds";
    case ZipAnomalyKind::kEncrypted: return "encrypted";
    case ZipAnomalyKind::kUnsupportedMethod: return "unsupported-method";
    case ZipAnomalyKind::kSizeInconsistent: return "size-inconsistent";
    case ZipAnomalyKind::kDirectoryWithData: return "directory-with-data";
    case ZipAnomalyKind::kPrefixBytes: return "prefix-bytes";
    case ZipAnomalyKind::kOffsetsRelativeToPrefix: return "offsets-relative-to-prefix";
    case ZipAnomalyKind::kOverlappingEntries: return "overlapping-entries";
    case ZipAnomalyKind::kTrailingBytes: return "trailing-bytes";
    case ZipAnomalyKind::kCommentLengthMismatch: return "comment-length-mismatch";
    case ZipAnomalyKind::kArchiveComment: return "archive-comment";
    case ZipAnomalyKind::kZip64Inconsistent: return "zip64-inconsistent";
    case ZipAnomalyKind::kEntryCountMismatch: return "entry-count-mismatch";
    case ZipAnomalyKind::kCentralDirectoryCorrupt: return "central-directory-corrupt";
  }
  return "unknown";
}

bool ZipEntry::PlaintextReadable() const {
  return (flags & (kFlagEncrypted | kFlagStrongEncryption | kFlagPatch)) == 0;
}

bool ZipEntry::IsEncrypted() const {
  return (flags & (kFlagEncrypted | kFlagStrongEncryption | kFlagPatch | kFlagMaskedLocalHeader)) != 0;
}

bool ZipEntry::IsDirectory() const {
  return (!name.empty() && name.back() == '/') || (external_attributes & kDosDirectoryAttribute) != 0;
}

Result<ZipArchive> ParseZip(ByteView file, const Limits& limits) {
  std::optional<Eocd> eocd = FindEocd(file);
  if (!eocd) {
    return Status::Corruption("zip: no end-of-central-directory record in the last " +
                              std::to_string(kEocdSearchWindow) + " bytes");
  }
  ZipArchive a;
  a.eocd_offset = eocd->offset;
  const std::uint64_t size = file.size();

  // Comment and what follows it.
  const std::uint64_t comment_start = eocd->offset + kEocdSize;
  std::uint64_t comment_len = eocd->comment_len;
  if (!Fits(comment_start, comment_len, size)) {
    Add(a, ZipAnomalyKind::kCommentLengthMismatch, nullptr, eocd->offset,
        "EOCD comment length " + std::to_string(comment_len) + " exceeds the " +
            std::to_string(size - comment_start) + " bytes that follow");
    comment_len = size - comment_start;
  }
  a.comment = file.subspan(static_cast<std::size_t>(comment_start), static_cast<std::size_t>(comment_len));
  a.trailing_bytes = size - comment_start - comment_len;
  if (!a.comment.empty()) {
    Add(a, ZipAnomalyKind::kArchiveComment, nullptr, comment_start,
        "archive comment of " + std::to_string(a.comment.size()) + " bytes");
  }
  if (a.trailing_bytes > 0) {
    Add(a, ZipAnomalyKind::kTrailingBytes, nullptr, comment_start + comment_len,
        std::to_string(a.trailing_bytes) + " bytes follow the EOCD record and its comment");
  }

  std::uint64_t entries_total = eocd->entries_total;
  std::uint64_t entries_disk = eocd->entries_disk;
  std::uint64_t cd_size = eocd->cd_size;
  std::uint64_t cd_offset = eocd->cd_offset;
  std::uint64_t directory_end = eocd->offset;  // where zipfile expects the directory to end
  std::optional<Zip64Record> z64 = ReadZip64(file, *eocd, a);
  if (z64) {
    a.zip64 = true;
    auto differs = [](std::uint64_t narrow, std::uint64_t sentinel, std::uint64_t wide) {
      return narrow != sentinel && narrow != wide;
    };
    if (differs(eocd->entries_total, 0xFFFF, z64->entries_total) ||
        differs(eocd->cd_size, kU32Sentinel, z64->cd_size) || differs(eocd->cd_offset, kU32Sentinel, z64->cd_offset)) {
      Add(a, ZipAnomalyKind::kZip64Inconsistent, nullptr, z64->offset,
          "ZIP64 record (entries " + std::to_string(z64->entries_total) + ", directory at " +
              std::to_string(z64->cd_offset) + ") contradicts the EOCD (entries " +
              std::to_string(eocd->entries_total) + ", directory at " + std::to_string(eocd->cd_offset) +
              "); readers without ZIP64 support see another directory");
    }
    entries_total = z64->entries_total;
    entries_disk = z64->entries_disk;
    cd_size = z64->cd_size;
    cd_offset = z64->cd_offset;
    directory_end = eocd->offset >= kZip64LocatorSize + kZip64EocdSize
                        ? eocd->offset - kZip64LocatorSize - kZip64EocdSize
                        : 0;
  }
  a.declared_entries = entries_total;
  if (entries_disk != entries_total || eocd->disk != 0 || eocd->cd_disk != 0) {
    Add(a, ZipAnomalyKind::kEntryCountMismatch, nullptr, eocd->offset,
        "entries on this disk (" + std::to_string(entries_disk) + ") vs total (" + std::to_string(entries_total) +
            ") or disk numbers disagree; miniz refuses multi-disk archives");
  }

  // Where is the central directory? miniz takes the stored offset as a file
  // offset; zipfile shifts it by "concat", the bytes the directory actually
  // sits past the stored offset.
  auto directory_at = [&](std::uint64_t off) {
    return Fits(off, cd_size, size) && (cd_size == 0 || SigAt(file, off) == kCentralHeaderSig);
  };
  std::uint64_t bias = 0;
  if (!directory_at(cd_offset)) {
    const bool can_shift = Fits(cd_offset, cd_size, directory_end) && directory_end - cd_size > cd_offset;
    const std::uint64_t concat = can_shift ? directory_end - cd_size - cd_offset : 0;
    if (concat == 0 || !directory_at(cd_offset + concat)) {
      return Status::Corruption("zip: central directory of " + std::to_string(cd_size) + " bytes at offset " +
                                std::to_string(cd_offset) + " is outside the file or lacks its signature");
    }
    bias = concat;
    Add(a, ZipAnomalyKind::kOffsetsRelativeToPrefix, nullptr, 0,
        "offsets are relative to an archive starting at byte " + std::to_string(concat) +
            "; zipfile compensates and reads it, miniz (PyTorch) does not find the central directory");
  }
  a.offset_bias = bias;
  a.central_directory_offset = cd_offset + bias;
  a.central_directory_size = cd_size;

  ByteView cd = file.subspan(static_cast<std::size_t>(a.central_directory_offset), static_cast<std::size_t>(cd_size));
  ByteReader r(cd);
  while (!r.at_end()) {
    if (a.entries.size() >= limits.max_archive_entries) {
      return Status::LimitExceeded("zip: more than " + std::to_string(limits.max_archive_entries) +
                                   " central directory records");
    }
    ZipEntry e;
    e.index = static_cast<std::uint32_t>(a.entries.size());
    e.in_declared_count = e.index < entries_total;
    if (!ReadCentralRecord(r, a.central_directory_offset, bias, e, a)) break;
    a.entries.push_back(std::move(e));
  }
  if (a.entries.size() != entries_total) {
    Add(a, ZipAnomalyKind::kEntryCountMismatch, nullptr, eocd->offset,
        "EOCD declares " + std::to_string(entries_total) + " entries but the central directory holds " +
            std::to_string(a.entries.size()) +
            (a.entries.size() > entries_total ? " (miniz ignores the extra records, zipfile reads them)"
                                              : " (miniz refuses the archive)"));
  }

  std::uint64_t first = a.central_directory_size ? a.central_directory_offset : eocd->offset;
  first = std::min(first, z64 ? z64->offset : eocd->offset);
  for (ZipEntry& e : a.entries) {
    ReadLocalHeader(file, e, a);
    if (e.has_local_header) first = std::min(first, e.local_header_offset);
  }
  a.archive_start = first;
  if (first > 0) {
    Add(a, ZipAnomalyKind::kPrefixBytes, nullptr, 0,
        std::to_string(first) + " bytes precede the first ZIP structure (torch.load treats a file that does not "
                                "start with a local header as a legacy pickle)");
  }
  CheckOverlaps(a);
  CheckNames(a);
  return a;
}

Result<ExtractedEntry> ExtractEntry(const ZipEntry& entry, std::uint64_t max_out) {
  if (!entry.PlaintextReadable()) return Status::NotSupported("zip: " + Printable(entry.name) + ": encrypted entry");
  if (entry.method != kZipMethodStored && entry.method != kZipMethodDeflate) {
    return Status::NotSupported("zip: " + Printable(entry.name) + ": compression method " +
                                std::to_string(entry.method));
  }
  if (!entry.has_data) return Status::Corruption("zip: " + Printable(entry.name) + ": entry data not in the file");
  ExtractedEntry out;
  if (entry.method == kZipMethodStored) {
    if (entry.data.size() > max_out) {
      return Status::LimitExceeded("zip: " + Printable(entry.name) + ": " + std::to_string(entry.data.size()) +
                                   " bytes exceed the output limit");
    }
    out.bytes.assign(entry.data.begin(), entry.data.end());
  } else {
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return Status::Corruption("zip: inflateInit2 failed");
    // Room for one byte past max_out tells "exactly max_out" from "more".
    const std::uint64_t cap = max_out == std::numeric_limits<std::uint64_t>::max() ? max_out : max_out + 1;
    std::vector<std::uint8_t>& buf = out.bytes;
    buf.reserve(static_cast<std::size_t>(std::min<std::uint64_t>({entry.uncompressed_size, cap, 1u << 20})));
    std::uint64_t produced = 0;
    std::size_t in_pos = 0;
    Status error;
    for (;;) {
      if (zs.avail_in == 0 && in_pos < entry.data.size()) {
        std::size_t n = std::min<std::size_t>(entry.data.size() - in_pos, 1u << 30);
        zs.next_in = const_cast<Bytef*>(entry.data.data() + in_pos);
        zs.avail_in = static_cast<uInt>(n);
        in_pos += n;
      }
      if (produced == buf.size()) {
        if (produced >= cap) {
          error = Status::LimitExceeded("zip: " + Printable(entry.name) + ": inflated data exceeds " +
                                        std::to_string(max_out) + " bytes");
          break;
        }
        std::uint64_t grow = std::min<std::uint64_t>(cap - produced, std::max<std::uint64_t>(produced, 1u << 16));
        grow = std::min<std::uint64_t>(grow, 1u << 30);
        buf.resize(static_cast<std::size_t>(produced + grow));
      }
      const uInt avail = static_cast<uInt>(buf.size() - produced);
      zs.next_out = buf.data() + produced;
      zs.avail_out = avail;
      int rc = inflate(&zs, Z_NO_FLUSH);
      produced += avail - zs.avail_out;
      if (rc == Z_STREAM_END) break;
      if (rc == Z_OK) continue;
      if (rc == Z_BUF_ERROR && zs.avail_out == 0) continue;  // needs more output room
      if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_pos == entry.data.size()) {
        error = Status::Corruption("zip: " + Printable(entry.name) + ": deflate stream ends early after " +
                                   std::to_string(produced) + " bytes");
        break;
      }
      error = Status::Corruption("zip: " + Printable(entry.name) + ": invalid deflate data (" +
                                 (zs.msg ? zs.msg : "zlib error " + std::to_string(rc)) + ") after " +
                                 std::to_string(produced) + " bytes");
      break;
    }
    inflateEnd(&zs);
    if (error.ok() && produced > max_out) {
      error = Status::LimitExceeded("zip: " + Printable(entry.name) + ": inflated data exceeds " +
                                    std::to_string(max_out) + " bytes");
    }
    if (!error.ok()) return error;
    buf.resize(static_cast<std::size_t>(produced));
  }
  out.crc_ok = crc32_z(0L, out.bytes.data(), out.bytes.size()) == entry.crc32;
  out.size_ok = out.bytes.size() == entry.uncompressed_size;
  return out;
}

namespace {

// mz_zip_reader_filename_less: ASCII-lower-cased byte order, shorter first.
bool MinizLess(std::string_view l, std::string_view r) {
  const std::size_t n = std::min(l.size(), r.size());
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char a = AsciiLower(static_cast<unsigned char>(l[i]));
    unsigned char b = AsciiLower(static_cast<unsigned char>(r[i]));
    if (a != b) return a < b;
  }
  return l.size() < r.size();
}

// mz_zip_filename_compare: <0, 0, >0 like memcmp on lower-cased bytes.
int MinizCompare(std::string_view l, std::string_view r) {
  const std::size_t n = std::min(l.size(), r.size());
  for (std::size_t i = 0; i < n; ++i) {
    int a = AsciiLower(static_cast<unsigned char>(l[i]));
    int b = AsciiLower(static_cast<unsigned char>(r[i]));
    if (a != b) return a - b;
  }
  return static_cast<int>(l.size()) - static_cast<int>(r.size());
}

}  // namespace

MinizNameIndex::MinizNameIndex(const ZipArchive& archive) : archive_(archive) {
  std::uint64_t count = std::min<std::uint64_t>(archive.declared_entries, archive.entries.size());
  sorted_.resize(static_cast<std::size_t>(count));
  for (std::uint32_t i = 0; i < count; ++i) sorted_[i] = i;
  const std::uint64_t size = count;
  if (size <= 1) return;
  // A transcription of mz_zip_reader_sort_central_dir_offsets_by_filename:
  // the heap sort is not stable, so which duplicate the binary search meets
  // first depends on this exact sequence of swaps.
  auto less = [&](std::uint32_t x, std::uint32_t y) {
    return MinizLess(archive.entries[x].name, archive.entries[y].name);
  };
  std::uint32_t* p = sorted_.data();
  std::uint64_t start = (size - 2) >> 1;
  for (;;) {
    std::uint64_t child, root = start;
    for (;;) {
      if ((child = (root << 1) + 1) >= size) break;
      child += ((child + 1) < size) && less(p[child], p[child + 1]);
      if (!less(p[root], p[child])) break;
      std::swap(p[root], p[child]);
      root = child;
    }
    if (!start) break;
    start--;
  }
  std::uint64_t end = size - 1;
  while (end > 0) {
    std::uint64_t child, root = 0;
    std::swap(p[end], p[0]);
    for (;;) {
      if ((child = (root << 1) + 1) >= end) break;
      child += ((child + 1) < end) && less(p[child], p[child + 1]);
      if (!less(p[root], p[child])) break;
      std::swap(p[root], p[child]);
      root = child;
    }
    end--;
  }
}

const ZipEntry* MinizNameIndex::Find(std::string_view name) const {
  name = name.substr(0, std::min(name.size(), name.find('\0')));
  std::int64_t l = 0, h = static_cast<std::int64_t>(sorted_.size()) - 1;
  while (l <= h) {
    std::int64_t m = l + ((h - l) >> 1);
    const ZipEntry& e = archive_.entries[sorted_[static_cast<std::size_t>(m)]];
    int comp = MinizCompare(e.name, name);
    if (comp == 0) return &e;
    if (comp < 0) {
      l = m + 1;
    } else {
      h = m - 1;
    }
  }
  return nullptr;
}

const ZipEntry* FindEntryLikePyTorch(const ZipArchive& archive, std::string_view name) {
  return MinizNameIndex(archive).Find(name);
}

const ZipEntry* FindEntryLikeZipfile(const ZipArchive& archive, std::string_view name) {
  for (auto it = archive.entries.rbegin(); it != archive.entries.rend(); ++it) {
    std::string_view n = it->name;
    n = n.substr(0, std::min(n.size(), n.find('\0')));
    if (n == name) return &*it;
  }
  return nullptr;
}

std::optional<std::string> PyTorchArchivePrefix(const ZipArchive& archive) {
  if (archive.entries.empty()) return std::nullopt;
  const std::string& first = archive.entries.front().name;
  std::size_t slash = first.find('/');
  if (slash == std::string::npos) return std::nullopt;
  return first.substr(0, slash);
}

bool LooksLikeTorchScript(const ZipArchive& archive, std::string_view prefix) {
  std::string want = std::string(prefix) + "/constants.pkl";
  for (const ZipEntry& e : archive.entries) {
    if (e.name == want) return true;
  }
  return false;
}

}  // namespace modelgate
