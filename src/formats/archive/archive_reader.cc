// Archive layer implementation.
//
// gzip and zlib go through zlib directly, which gives exact control over
// member boundaries, trailing bytes and truncation. bzip2, xz, lzma-alone
// and zstd go through libarchive's "raw" format with the one filter forced
// by archive_read_append_filter (no bidding, so exactly one layer is undone).
// tar and 7z go through libarchive with only those formats and no filters
// enabled. Output is produced in 64 KiB steps and stops one byte past the
// caller's cap, so a bomb costs at most the cap in memory.
#include "formats/archive/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include <algorithm>
#include <map>
#include <utility>

namespace modelgate {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

// Appends up to `n` bytes of `buf`, honouring the cap; returns false once
// the stream has produced more than `cap` bytes.
bool AppendCapped(const std::uint8_t* buf, std::size_t n, std::uint64_t cap, DecompressedStream* out) {
  std::uint64_t room = cap - std::min<std::uint64_t>(cap, out->bytes.size());
  std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(room, n));
  out->bytes.insert(out->bytes.end(), buf, buf + take);
  if (take < n) {
    out->limit_hit = true;
    return false;
  }
  return true;
}

Result<DecompressedStream> InflateStreams(ByteView in, Codec c, std::uint64_t max_out) {
  DecompressedStream out;
  z_stream zs{};
  int window = c == Codec::kGzip ? 16 + MAX_WBITS : MAX_WBITS;
  if (inflateInit2(&zs, window) != Z_OK) return Status::IOError("zlib: inflateInit2 failed");
  std::uint8_t buf[kChunk];
  std::size_t pos = 0;
  bool done = false;
  while (!done) {
    // zlib counts in uInt: feed at most 1 GiB at a time.
    std::size_t avail = std::min<std::size_t>(in.size() - pos, 1u << 30);
    zs.next_in = const_cast<Bytef*>(in.data() + pos);
    zs.avail_in = static_cast<uInt>(avail);
    zs.next_out = buf;
    zs.avail_out = sizeof(buf);
    int rc = inflate(&zs, Z_NO_FLUSH);
    pos += avail - zs.avail_in;
    std::size_t produced = sizeof(buf) - zs.avail_out;
    if (!AppendCapped(buf, produced, max_out, &out)) break;
    if (rc == Z_STREAM_END) {
      ++out.members;
      out.trailing_offset = pos;
      if (c == Codec::kGzip) {
        // Python's gzip module and gzip(1) skip NUL padding between and
        // after members, then expect another member.
        std::size_t p = pos;
        while (p < in.size() && in[p] == 0) ++p;
        if (p + 1 < in.size() && in[p] == 0x1f && in[p + 1] == 0x8b) {
          pos = p;
          inflateReset(&zs);
          continue;
        }
        out.trailing_bytes = in.size() - p;
        if (out.trailing_bytes) out.trailing_offset = p;
      } else {
        out.trailing_bytes = in.size() - pos;
      }
      done = true;
    } else if (pos == in.size() && (rc == Z_BUF_ERROR || (rc == Z_OK && produced == 0))) {
      out.truncated = true;
      out.error = std::string(CodecName(c)) + ": input ends inside the stream at offset " + std::to_string(pos);
      done = true;
    } else if (rc != Z_OK) {
      out.corrupt = true;
      out.error = std::string(CodecName(c)) + "@" + std::to_string(pos) + ": " + (zs.msg ? zs.msg : "error");
      done = true;
    }
  }
  inflateEnd(&zs);
  if (out.bytes.empty() && out.members == 0 && !out.limit_hit && (out.corrupt || pos == 0)) {
    return Status::Corruption(out.error.empty() ? std::string(CodecName(c)) + ": not a stream" : out.error);
  }
  return out;
}

int FilterCode(Codec c) {
  switch (c) {
    case Codec::kBzip2: return ARCHIVE_FILTER_BZIP2;
    case Codec::kXz: return ARCHIVE_FILTER_XZ;
    case Codec::kLzmaAlone: return ARCHIVE_FILTER_LZMA;
    case Codec::kZstd: return ARCHIVE_FILTER_ZSTD;
    default: return ARCHIVE_FILTER_NONE;
  }
}

struct ArchiveCloser {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveCloser>;

std::string ArchiveError(struct archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown libarchive error";
}

bool LooksTruncated(const std::string& msg) {
  std::string lower = msg;
  for (char& ch : lower) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  return lower.find("truncat") != std::string::npos || lower.find("premature") != std::string::npos ||
         lower.find("unexpected end") != std::string::npos;
}

constexpr std::size_t kLzmaAloneHeader = 13;  // props, dict size u32, uncompressed size u64

// Feeds libarchive from memory, optionally with a replacement for the first
// 13 bytes (see LibarchiveStream). Borrows `rest` for the call's duration.
struct LzmaAloneSource {
  std::uint8_t header[kLzmaAloneHeader] = {};
  bool header_pending = false;
  bool rest_pending = true;
  ByteView rest;

  static la_ssize_t Read(struct archive*, void* self, const void** buf) {
    auto* s = static_cast<LzmaAloneSource*>(self);
    if (s->header_pending) {
      s->header_pending = false;
      *buf = s->header;
      return static_cast<la_ssize_t>(kLzmaAloneHeader);
    }
    if (s->rest_pending) {
      s->rest_pending = false;
      *buf = s->rest.data();
      return static_cast<la_ssize_t>(s->rest.size());
    }
    return 0;
  }
};

Result<DecompressedStream> LibarchiveStream(ByteView in, Codec c, std::uint64_t max_out) {
  DecompressedStream out;
  if (in.empty()) return Status::Corruption(std::string(CodecName(c)) + ": empty input");
  ArchivePtr a(archive_read_new());
  if (!a) return Status::IOError("libarchive: out of memory");
  archive_read_support_format_raw(a.get());
  if (archive_read_append_filter(a.get(), FilterCode(c)) != ARCHIVE_OK) {
    return Status::NotSupported(std::string(CodecName(c)) + ": " + ArchiveError(a.get()));
  }
  // lzma-alone headers declare a dictionary of up to 4 GiB, which liblzma
  // allocates up front. A match can never reach further back than the output
  // produced so far, so a dictionary of max_out (plus libarchive's read-ahead)
  // decodes the first max_out bytes identically: patch the header copy.
  LzmaAloneSource src;
  src.rest = in;
  if (c == Codec::kLzmaAlone && in.size() >= kLzmaAloneHeader) {
    std::copy(in.begin(), in.begin() + kLzmaAloneHeader, src.header);
    std::uint64_t bound = std::min<std::uint64_t>(max_out, 1u << 30) + (1u << 20);
    if (LoadU32LE(in, 1) > bound) {
      for (int i = 0; i < 4; ++i) src.header[1 + i] = static_cast<std::uint8_t>(bound >> (8 * i));
    }
    src.rest = in.subspan(kLzmaAloneHeader);
    src.header_pending = true;
  }
  if (archive_read_open(a.get(), &src, nullptr, &LzmaAloneSource::Read, nullptr) != ARCHIVE_OK) {
    return Status::Corruption(std::string(CodecName(c)) + ": " + ArchiveError(a.get()));
  }
  struct archive_entry* entry = nullptr;
  int rc = archive_read_next_header(a.get(), &entry);
  if (rc < ARCHIVE_WARN) return Status::Corruption(std::string(CodecName(c)) + ": " + ArchiveError(a.get()));
  std::uint8_t buf[kChunk];
  for (;;) {
    la_ssize_t n = archive_read_data(a.get(), buf, sizeof(buf));
    if (n == 0) break;
    if (n < 0) {
      out.error = std::string(CodecName(c)) + ": " + ArchiveError(a.get());
      if (LooksTruncated(out.error)) {
        out.truncated = true;
      } else {
        out.corrupt = true;
      }
      break;
    }
    if (!AppendCapped(buf, static_cast<std::size_t>(n), max_out, &out)) break;
  }
  if (!out.corrupt && !out.truncated && !out.limit_hit) out.members = 1;
  if (out.bytes.empty() && out.corrupt) return Status::Corruption(out.error);
  return out;
}

MemberType TypeOf(struct archive_entry* e) {
  if (archive_entry_hardlink(e) != nullptr) return MemberType::kHardlink;
  switch (archive_entry_filetype(e)) {
    case AE_IFREG: return MemberType::kRegular;
    case AE_IFDIR: return MemberType::kDirectory;
    case AE_IFLNK: return MemberType::kSymlink;
    case AE_IFCHR: return MemberType::kCharDevice;
    case AE_IFBLK: return MemberType::kBlockDevice;
    case AE_IFIFO: return MemberType::kFifo;
    case AE_IFSOCK: return MemberType::kSocket;
    default: return MemberType::kOther;
  }
}

bool IsAbsolute(std::string_view p) {
  return (!p.empty() && (p[0] == '/' || p[0] == '\\')) ||
         (p.size() >= 2 && p[1] == ':' && ((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z'));
}

bool HasParentComponent(std::string_view p) {
  std::size_t start = 0;
  for (std::size_t i = 0; i <= p.size(); ++i) {
    if (i == p.size() || p[i] == '/' || p[i] == '\\') {
      if (p.substr(start, i - start) == "..") return true;
      start = i + 1;
    }
  }
  return false;
}

// Collapses "./", repeated and trailing slashes: the names an extractor
// would write to the same place.
std::string NormalizedName(std::string_view p) {
  std::string out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= p.size(); ++i) {
    if (i == p.size() || p[i] == '/') {
      std::string_view part = p.substr(start, i - start);
      if (!part.empty() && part != ".") {
        if (!out.empty()) out += '/';
        out += part;
      }
      start = i + 1;
    }
  }
  return out;
}

void AddAnomaly(ArchiveListing* l, ArchiveAnomalyKind k, const std::string& member, std::uint64_t off,
                std::string detail) {
  l->anomalies.push_back(ArchiveAnomaly{k, member, off, std::move(detail)});
}

// Reads the current entry's data into m (bounded). Returns false when the
// reader failed fatally.
bool ReadMemberData(struct archive* a, ArchiveMember* m, std::uint64_t cap, ArchiveListing* l) {
  auto data = std::make_shared<std::vector<std::uint8_t>>();
  std::uint8_t buf[kChunk];
  bool ok = true;
  for (;;) {
    la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
    if (n == 0) break;
    if (n < 0) {
      std::string msg = ArchiveError(a);
      m->data_truncated = true;
      AddAnomaly(l, LooksTruncated(msg) ? ArchiveAnomalyKind::kTruncated : ArchiveAnomalyKind::kCorrupt, m->name,
                 m->header_offset, "reading member data: " + msg);
      ok = n > ARCHIVE_FATAL;  // ARCHIVE_WARN/RETRY: libarchive can go on
      break;
    }
    std::uint64_t room = cap - std::min<std::uint64_t>(cap, data->size());
    std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(room, static_cast<std::uint64_t>(n)));
    data->insert(data->end(), buf, buf + take);
    if (take < static_cast<std::size_t>(n)) {
      m->data_capped = true;
      break;  // the rest is skipped by the next archive_read_next_header
    }
  }
  l->data_bytes += data->size();
  m->data = std::move(data);
  return ok;
}

}  // namespace

std::string_view CodecName(Codec c) {
  switch (c) {
    case Codec::kGzip: return "gzip";
    case Codec::kZlib: return "zlib";
    case Codec::kBzip2: return "bzip2";
    case Codec::kXz: return "xz";
    case Codec::kLzmaAlone: return "lzma";
    case Codec::kZstd: return "zstd";
  }
  return "unknown";
}

std::string_view MemberTypeName(MemberType t) {
  switch (t) {
    case MemberType::kRegular: return "regular";
    case MemberType::kDirectory: return "directory";
    case MemberType::kSymlink: return "symlink";
    case MemberType::kHardlink: return "hardlink";
    case MemberType::kCharDevice: return "char-device";
    case MemberType::kBlockDevice: return "block-device";
    case MemberType::kFifo: return "fifo";
    case MemberType::kSocket: return "socket";
    case MemberType::kOther: return "other";
  }
  return "other";
}

bool ArchiveListing::Has(ArchiveAnomalyKind k) const {
  return std::any_of(anomalies.begin(), anomalies.end(), [k](const ArchiveAnomaly& a) { return a.kind == k; });
}

Result<DecompressedStream> DecompressStream(ByteView in, Codec c, std::uint64_t max_out) {
  if (c == Codec::kGzip || c == Codec::kZlib) return InflateStreams(in, c, max_out);
  return LibarchiveStream(in, c, max_out);
}

Result<std::vector<std::uint8_t>> Decompress(ByteView in, Codec c, std::uint64_t max_out) {
  Result<DecompressedStream> r = DecompressStream(in, c, max_out);
  if (!r.ok()) return r.status();
  if (r->limit_hit) {
    return Status::LimitExceeded(std::string(CodecName(c)) + ": output exceeds " + std::to_string(max_out) +
                                 " bytes");
  }
  if (r->truncated || r->corrupt) return Status::Corruption(r->error);
  if (r->trailing_bytes) {
    return Status::Corruption(std::string(CodecName(c)) + "@" + std::to_string(r->trailing_offset) + ": " +
                              std::to_string(r->trailing_bytes) + " bytes after the stream");
  }
  return std::move(r->bytes);
}

Result<ArchiveListing> ReadArchiveMembers(ByteView in, const Limits& limits, std::uint64_t budget) {
  ArchivePtr a(archive_read_new());
  if (!a) return Status::IOError("libarchive: out of memory");
  // No filters: compressed tars arrive here already decompressed (one layer
  // per pass through the scanner's queue).
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  archive_read_support_format_7zip(a.get());
  if (archive_read_open_memory(a.get(), in.data(), in.size()) != ARCHIVE_OK) {
    return Status::Corruption("archive: " + ArchiveError(a.get()));
  }
  ArchiveListing l;
  std::map<std::string, std::uint32_t> seen;  // normalised name -> count
  std::uint64_t declared_total = 0;
  for (;;) {
    struct archive_entry* e = nullptr;
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) {
      l.complete = true;
      break;
    }
    std::uint64_t at = static_cast<std::uint64_t>(std::max<la_int64_t>(0, archive_read_header_position(a.get())));
    if (rc < ARCHIVE_WARN) {
      if (l.members.empty() && l.anomalies.empty()) {
        return Status::Corruption("archive@" + std::to_string(at) + ": " + ArchiveError(a.get()));
      }
      std::string msg = ArchiveError(a.get());
      AddAnomaly(&l, LooksTruncated(msg) ? ArchiveAnomalyKind::kTruncated : ArchiveAnomalyKind::kCorrupt, "", at,
                 msg);
      break;
    }
    if (l.members.empty()) {
      int fmt = archive_format(a.get());
      l.kind = (fmt & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_7ZIP ? ArchiveKind::kSevenZip : ArchiveKind::kTar;
      const char* name = archive_format_name(a.get());
      l.format_name = name ? name : "";
    }
    if (rc == ARCHIVE_WARN) AddAnomaly(&l, ArchiveAnomalyKind::kReaderWarning, "", at, ArchiveError(a.get()));
    if (l.members.size() >= limits.max_archive_entries) {
      AddAnomaly(&l, ArchiveAnomalyKind::kEntryLimit, "", at,
                 "more than " + std::to_string(limits.max_archive_entries) + " entries");
      break;
    }
    ArchiveMember m;
    const char* p = archive_entry_pathname(e);
    m.name = p ? p : "";
    m.type = TypeOf(e);
    m.header_offset = at;
    m.mode = static_cast<std::uint32_t>(archive_entry_mode(e));
    m.declared_size = archive_entry_size_is_set(e) ? static_cast<std::uint64_t>(std::max<la_int64_t>(0, archive_entry_size(e))) : 0;
    m.encrypted = archive_entry_is_data_encrypted(e) == 1;
    if (m.type == MemberType::kSymlink) {
      const char* t = archive_entry_symlink(e);
      m.link_target = t ? t : "";
    } else if (m.type == MemberType::kHardlink) {
      const char* t = archive_entry_hardlink(e);
      m.link_target = t ? t : "";
    }
    if (m.name.empty()) AddAnomaly(&l, ArchiveAnomalyKind::kEmptyName, m.name, at, "entry without a name");
    if (IsAbsolute(m.name)) AddAnomaly(&l, ArchiveAnomalyKind::kAbsolutePath, m.name, at, "absolute path");
    if (HasParentComponent(m.name)) AddAnomaly(&l, ArchiveAnomalyKind::kParentTraversal, m.name, at, "'..' in path");
    if (m.type == MemberType::kSymlink || m.type == MemberType::kHardlink) {
      AddAnomaly(&l, m.type == MemberType::kSymlink ? ArchiveAnomalyKind::kSymlink : ArchiveAnomalyKind::kHardlink,
                 m.name, at, std::string(MemberTypeName(m.type)) + " to '" + m.link_target + "'");
      if (IsAbsolute(m.link_target) || HasParentComponent(m.link_target)) {
        AddAnomaly(&l, ArchiveAnomalyKind::kLinkEscapes, m.name, at,
                   "link target '" + m.link_target + "' leaves the extraction directory");
      }
    }
    if (m.type == MemberType::kCharDevice || m.type == MemberType::kBlockDevice || m.type == MemberType::kFifo ||
        m.type == MemberType::kSocket) {
      AddAnomaly(&l, ArchiveAnomalyKind::kSpecialFile, m.name, at, std::string(MemberTypeName(m.type)) + " entry");
    }
    if (m.type != MemberType::kDirectory) {
      std::uint32_t& count = seen[NormalizedName(m.name)];
      if (++count == 2) {
        AddAnomaly(&l, ArchiveAnomalyKind::kDuplicateName, m.name, at,
                   "more than one entry is named '" + m.name + "'");
      }
    }
    bool fatal = false;
    if (m.encrypted) {
      AddAnomaly(&l, ArchiveAnomalyKind::kEncrypted, m.name, at, "member data is encrypted");
    } else if (m.type == MemberType::kRegular) {
      if (__builtin_add_overflow(declared_total, m.declared_size, &declared_total)) declared_total = UINT64_MAX;
      if (l.kind == ArchiveKind::kSevenZip && declared_total > budget) {
        // Skipping to later 7z members would still decompress this one.
        AddAnomaly(&l, ArchiveAnomalyKind::kBudgetExhausted, m.name, at,
                   "declared member sizes pass the decompression budget of " + std::to_string(budget) + " bytes");
        l.members.push_back(std::move(m));
        break;
      }
      std::uint64_t left = budget - std::min(budget, l.data_bytes);
      std::uint64_t cap = std::min(limits.max_member_bytes, left);
      if (cap == 0 && m.declared_size > 0) {
        AddAnomaly(&l, ArchiveAnomalyKind::kBudgetExhausted, m.name, at, "extraction budget used up");
      } else {
        fatal = !ReadMemberData(a.get(), &m, cap, &l);
        if (m.data_capped) {
          AddAnomaly(&l, cap < limits.max_member_bytes ? ArchiveAnomalyKind::kBudgetExhausted
                                                        : ArchiveAnomalyKind::kMemberTooLarge,
                     m.name, at, "only the first " + std::to_string(cap) + " bytes were read");
        }
      }
    }
    l.members.push_back(std::move(m));
    if (fatal) break;
  }
  return l;
}

}  // namespace modelgate
