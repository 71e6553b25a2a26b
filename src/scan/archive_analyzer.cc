// AnalyzeArchive: single compressed streams (gzip, zlib, bzip2, xz, lzma,
// zstd) and tar/7z archives.
//
// A compressed stream is undone one layer and its output queued as one child
// ("<gunzip>" ...) which the scanner routes again; a tar/7z has each regular
// member queued under its name. Every output byte is charged to the file's
// decompression budget, each stream is capped at Limits::max_member_bytes
// and at max_expansion_ratio x its compressed size (beyond 1 MiB), and what
// was produced before a cap, truncation or decoder error is still queued:
// a loader streaming the same bytes would have read that prefix.
//
// Severity policy (docs/formats/archive.md, "Findings"): paths and links that
// leave the extraction directory, device entries, duplicate names (readers
// disagree on which copy wins), bombs and caps that leave content unread are
// high; ordinary links, damage and trailing bytes are medium; facts (legacy
// torch tar, multi-member gzip) are info/low.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "formats/archive/archive_reader.h"
#include "formats/routing/content_type.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

constexpr std::uint64_t kRatioFloorBytes = 1u << 20;

// Members torch's _legacy_load reads from a tar (torch/serialization.py).
constexpr const char* kLegacyMembers[] = {"sys_info", "pickle", "storages", "tensors"};

std::uint64_t RatioCap(std::uint64_t compressed, std::uint64_t ratio) {
  std::uint64_t cap = 0;
  if (__builtin_mul_overflow(compressed, ratio, &cap)) cap = UINT64_MAX;
  return std::max(cap, kRatioFloorBytes);
}

const char* ChildName(Codec c) {
  switch (c) {
    case Codec::kGzip: return "<gunzip>";
    case Codec::kZlib: return "<zlib>";
    case Codec::kBzip2: return "<bunzip2>";
    case Codec::kXz: return "<unxz>";
    case Codec::kLzmaAlone: return "<unlzma>";
    case Codec::kZstd: return "<unzstd>";
  }
  return "<decompressed>";
}

void AnalyzeStream(const Blob& blob, Codec codec, ScanContext& ctx) {
  const Limits& lim = ctx.limits();
  std::string codec_name(CodecName(codec));
  std::uint64_t budget = ctx.DecompressionBudget();
  std::uint64_t ratio_cap = RatioCap(blob.bytes.size(), lim.max_expansion_ratio);
  std::uint64_t max_out = std::min({lim.max_member_bytes, budget, ratio_cap});
  Result<DecompressedStream> r = DecompressStream(blob.bytes, codec, max_out);
  if (!r.ok()) {
    ctx.Report("ARCHIVE-CORRUPT", Severity::kMedium, "Compressed stream cannot be decoded", blob.member, 0,
               r.status().message() + ". The content looks like " + codec_name +
                   " but no data could be decompressed, so nothing in it was analysed.",
               {{"codec", codec_name}});
    return;
  }
  DecompressedStream& s = r.value();
  std::vector<std::pair<std::string, std::string>> ev = {
      {"codec", codec_name}, {"compressed_bytes", std::to_string(blob.bytes.size())},
      {"decompressed_bytes", std::to_string(s.bytes.size())}};
  if (s.limit_hit) {
    if (max_out == budget && budget < std::min(lim.max_member_bytes, ratio_cap)) {
      ctx.ChargeDecompressed(budget + 1, blob);  // reports CONTAINER-DECOMPRESSION-LIMIT
    } else if (max_out == ratio_cap && ratio_cap < lim.max_member_bytes) {
      ctx.Report("ARCHIVE-EXPANSION-RATIO", Severity::kHigh, "Compressed stream expands beyond the allowed ratio",
                 blob.member, std::nullopt,
                 codec_name + " stream of " + std::to_string(blob.bytes.size()) + " bytes expands past " +
                     std::to_string(ratio_cap) + " bytes (more than " + std::to_string(lim.max_expansion_ratio) +
                     "x). Decompression stopped there; only that prefix was analysed. Model weights do not "
                     "compress this well; this is the shape of a decompression bomb.",
                 ev);
    } else {
      ctx.Report("ARCHIVE-MEMBER-TOO-LARGE", Severity::kHigh, "Decompressed stream is larger than the scanner reads",
                 blob.member, std::nullopt,
                 codec_name + " stream expands past " + std::to_string(max_out) +
                     " bytes; only that prefix was analysed, the rest is not known to be clean.",
                 ev);
    }
  }
  if (s.truncated || s.corrupt) {
    ctx.Report(s.truncated ? "ARCHIVE-TRUNCATED" : "ARCHIVE-CORRUPT", Severity::kMedium,
               s.truncated ? "Compressed stream ends early" : "Compressed stream is damaged", blob.member,
               std::nullopt,
               s.error + ". The " + std::to_string(s.bytes.size()) +
                   " bytes decoded before that point were analysed; a loader streaming this file would read them "
                   "before failing.",
               ev);
  }
  if (codec == Codec::kGzip && s.members > 1) {
    ctx.Report("ARCHIVE-GZIP-MULTI-MEMBER", Severity::kLow, "gzip file with several members", blob.member,
               std::nullopt,
               "Python's gzip module and gzip(1) concatenate all " + std::to_string(s.members) +
                   " members; a reader that stops after the first sees less. All members were analysed.",
               ev);
  }
  if (s.trailing_bytes > 0 && s.trailing_offset < blob.bytes.size()) {
    ctx.Report("ARCHIVE-TRAILING-DATA", Severity::kMedium, "Bytes follow the compressed stream", blob.member,
               s.trailing_offset,
               std::to_string(s.trailing_bytes) + " bytes follow the end of the " + codec_name +
                   " stream. Decompressors ignore or reject them; they were queued for analysis on their own.",
               ev);
    ctx.EnqueueChild(blob, "<trailing-data>", blob.bytes.subspan(static_cast<std::size_t>(s.trailing_offset)),
                     nullptr);
  }
  if (!s.limit_hit || max_out != budget) {
    if (!ctx.ChargeDecompressed(s.bytes.size(), blob)) return;
  }
  if (s.bytes.empty()) return;
  auto owner = std::make_shared<const std::vector<std::uint8_t>>(std::move(s.bytes));
  ctx.EnqueueChild(blob, ChildName(codec), ByteView(*owner), owner, blob.role);
}

using ArchiveSpec = FindingSpec;

ArchiveSpec SpecFor(ArchiveAnomalyKind k) {
  switch (k) {
    case ArchiveAnomalyKind::kAbsolutePath:
      return {"ARCHIVE-ABSOLUTE-PATH", Severity::kHigh, "Archive member has an absolute path",
              "Extracting it (tarfile.extractall without a filter, older tar tools) writes outside the target "
              "directory. No model archive needs this."};
    case ArchiveAnomalyKind::kParentTraversal:
      return {"ARCHIVE-PATH-TRAVERSAL", Severity::kHigh, "Archive member path contains '..'",
              "Extracting it writes outside the target directory (CVE-2007-4559 class). No model archive needs "
              "this."};
    case ArchiveAnomalyKind::kLinkEscapes:
      return {"ARCHIVE-LINK-ESCAPE", Severity::kHigh, "Archive link points outside the extraction directory",
              "An extractor that follows it reads or overwrites files elsewhere; torch's legacy loader extracts "
              "members to a temporary directory and opens them, following links."};
    case ArchiveAnomalyKind::kDuplicateName:
      return {"ARCHIVE-DUPLICATE-NAME", Severity::kHigh, "Two archive members share a name",
              "Python's tarfile (used by torch's legacy loader) takes the last copy, other tools the first; a "
              "scanner can be shown one copy while the loader reads the other. All copies were analysed."};
    case ArchiveAnomalyKind::kSymlink:
      return {"ARCHIVE-SYMLINK", Severity::kMedium, "Archive contains a symbolic link",
              "Model archives have no need for links; extractors that follow them can read host files."};
    case ArchiveAnomalyKind::kHardlink:
      return {"ARCHIVE-HARDLINK", Severity::kMedium, "Archive contains a hard link",
              "Model archives have no need for links; a hard link can alias a member under a second name."};
    case ArchiveAnomalyKind::kSpecialFile:
      return {"ARCHIVE-SPECIAL-FILE", Severity::kHigh, "Archive contains a device, fifo or socket entry",
              "Extracting device nodes or fifos can hang or touch the host; no model archive contains them."};
    case ArchiveAnomalyKind::kEncrypted:
      return {"ARCHIVE-ENCRYPTED-MEMBER", Severity::kMedium, "Encrypted archive member",
              "Its content cannot be analysed."};
    case ArchiveAnomalyKind::kMemberTooLarge:
      return {"ARCHIVE-MEMBER-TOO-LARGE", Severity::kHigh, "Archive member is larger than the scanner reads",
              "Only a prefix was analysed; the rest is not known to be clean."};
    case ArchiveAnomalyKind::kBudgetExhausted:
      return {"ARCHIVE-BUDGET-EXHAUSTED", Severity::kHigh, "Archive content exceeds the extraction budget",
              "Later member data was not analysed; this is a very large archive or a decompression bomb."};
    case ArchiveAnomalyKind::kEntryLimit:
      return {"ARCHIVE-ENTRY-LIMIT", Severity::kHigh, "Archive has more entries than the scanner lists",
              "Entries past the limit were not analysed."};
    case ArchiveAnomalyKind::kTruncated:
      return {"ARCHIVE-TRUNCATED", Severity::kMedium, "Archive ends early",
              "Members before the damage were analysed; tools that read up to the damage see the same."};
    case ArchiveAnomalyKind::kCorrupt:
      return {"ARCHIVE-CORRUPT", Severity::kMedium, "Archive is damaged",
              "Members before the damage were analysed; the rest could not be read."};
    case ArchiveAnomalyKind::kReaderWarning:
      return {"ARCHIVE-READER-WARNING", Severity::kLow, "Archive reader recovered from a problem",
              "libarchive read past an irregularity that other tar readers may treat differently."};
    case ArchiveAnomalyKind::kEmptyName:
      return {"ARCHIVE-EMPTY-NAME", Severity::kMedium, "Archive entry without a name",
              "No tool writes nameless entries."};
  }
  return {"ARCHIVE-CORRUPT", Severity::kMedium, "Archive is damaged", ""};
}

bool IsLegacyName(const std::string& n) {
  return std::any_of(std::begin(kLegacyMembers), std::end(kLegacyMembers), [&](const char* m) { return n == m; });
}

void AnalyzeMembers(const Blob& blob, ScanContext& ctx) {
  const Limits& lim = ctx.limits();
  Result<ArchiveListing> r = ReadArchiveMembers(blob.bytes, lim, ctx.DecompressionBudget());
  if (!r.ok()) {
    ctx.Report("ARCHIVE-CORRUPT", Severity::kMedium, "Archive cannot be read", blob.member, 0,
               r.status().message() + ". The content looks like a tar or 7z archive but no entry could be read, "
                                      "so nothing in it was analysed.");
    return;
  }
  const ArchiveListing& l = r.value();
  bool is_tar = l.kind == ArchiveKind::kTar;
  auto has_regular = [&](const char* name) {
    return std::any_of(l.members.begin(), l.members.end(),
                       [&](const ArchiveMember& m) { return m.name == name; });
  };
  // torch._legacy_load extracts 'storages' and 'tensors' and unpickles
  // 'pickle'; 'sys_info' is written but never read.
  bool legacy = is_tar && has_regular("pickle") && has_regular("storages") && has_regular("tensors");
  if (legacy) {
    ctx.Report("TORCH-LEGACY-TAR", Severity::kInfo, "Legacy PyTorch tar checkpoint", blob.member, std::nullopt,
               "torch.load still reads this tar format, written only by the earliest PyTorch releases: it "
               "extracts 'storages' and 'tensors' (pickles interleaved with raw bytes) and unpickles 'pickle'. "
               "Each member was queued for pickle analysis.",
               {{"format", l.format_name}});
  }
  for (const ArchiveAnomaly& a : l.anomalies) {
    ArchiveSpec s = SpecFor(a.kind);
    Severity sev = s.severity;
    // A link standing in for a member torch's legacy loader opens makes it
    // read whatever the link points at.
    if (legacy && IsLegacyName(a.member) &&
        (a.kind == ArchiveAnomalyKind::kSymlink || a.kind == ArchiveAnomalyKind::kHardlink)) {
      sev = Severity::kHigh;
    }
    ctx.Report(s.id, sev, s.title, JoinMember(blob.member, a.member), a.offset, a.detail + ". " + s.why,
               {{"format", l.format_name}});
  }
  std::uint64_t ratio_cap = RatioCap(blob.bytes.size(), lim.max_expansion_ratio);
  std::uint64_t total = 0;
  for (const ArchiveMember& m : l.members) {
    if (!m.data) continue;
    total += m.data->size();
    if (!ctx.ChargeDecompressed(m.data->size(), blob)) return;
    std::string role;
    if (legacy && m.name == "storages") role = "torch-legacy-tar-storages";
    if (legacy && m.name == "tensors") role = "torch-legacy-tar-tensors";
    if (legacy && (m.name == "pickle" || m.name == "sys_info")) role = "torch-legacy-tar";
    ctx.EnqueueChild(blob, m.name, ByteView(*m.data), m.data, role);
  }
  if (!is_tar && total > ratio_cap) {
    ctx.Report("ARCHIVE-EXPANSION-RATIO", Severity::kHigh, "7z archive expands beyond the allowed ratio",
               blob.member, std::nullopt,
               "Members of this " + std::to_string(blob.bytes.size()) + "-byte archive expand to " +
                   std::to_string(total) + " bytes (more than " + std::to_string(lim.max_expansion_ratio) +
                   "x). Model weights do not compress this well; this is the shape of a decompression bomb.",
               {{"compressed_bytes", std::to_string(blob.bytes.size())}, {"extracted_bytes", std::to_string(total)}});
  }
}

}  // namespace

void AnalyzeArchive(const Blob& blob, ScanContext& ctx) {
  switch (DetectContentType(blob.bytes)) {
    case ContentType::kGzip: return AnalyzeStream(blob, Codec::kGzip, ctx);
    case ContentType::kZlib: return AnalyzeStream(blob, Codec::kZlib, ctx);
    case ContentType::kBzip2: return AnalyzeStream(blob, Codec::kBzip2, ctx);
    case ContentType::kXz: return AnalyzeStream(blob, Codec::kXz, ctx);
    case ContentType::kLzmaAlone: return AnalyzeStream(blob, Codec::kLzmaAlone, ctx);
    case ContentType::kZstd: return AnalyzeStream(blob, Codec::kZstd, ctx);
    case ContentType::kTar:
    case ContentType::kSevenZip: return AnalyzeMembers(blob, ctx);
    default:
      ctx.Report("ARCHIVE-CORRUPT", Severity::kMedium, "Not an archive the archive reader handles", blob.member, 0,
                 "The archive analyzer was asked to read content that is not a tar, 7z or compressed stream; "
                 "nothing in it was analysed.");
  }
}

}  // namespace modelgate
