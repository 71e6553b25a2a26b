// AnalyzeZip: turns what the ZIP reader saw into findings and queues every
// member for content routing.
//
// Severity policy (docs/formats/zip.md, "Findings"): anything on which two
// real readers (miniz in PyTorch, Python's zipfile in numpy/Keras, streaming
// readers that walk local headers) would disagree is high, because a payload
// can be shown to the scanner one way and to the loader another. Damage that
// leaves part of the archive unread is high when the loader could still read
// other members. Facts that need review are medium; cosmetic oddities low;
// TorchScript code is info.
//
// Members are queued, not analysed here: stored members as zero-copy views
// into the parent's bytes, deflated members inflated under the member,
// expansion-ratio and per-file decompression bounds. A byte range is queued
// once even when several central records point at it. The record torch.load
// unpickles (resolved exactly as miniz resolves "<prefix>/data.pkl") carries
// the role "torch-data-pkl"; TorchScript's constants.pkl "torchscript-constants".
#include <algorithm>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <zlib.h>

#include "formats/routing/content_type.h"
#include "formats/zip/zip_reader.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

constexpr std::uint64_t kRatioFloorBytes = 1u << 20;
// Stored members are CRC-checked only when a loader interprets them: those
// with a loader role and those whose content routes to an analyzer (pickle,
// archive, npy). Tensor payloads are never read in full, so scan cost does not
// grow with the weights.
bool WorthCrcCheck(const ZipEntry& e, const std::string& role) {
  if (!role.empty()) return true;
  ContentType t = DetectContentType(e.data, Probe::kMember);
  return t != ContentType::kUnknown && t != ContentType::kEmpty;
}

FindingSpec SpecFor(ZipAnomalyKind kind) {
  switch (kind) {
    case ZipAnomalyKind::kDuplicateName:
      return {"ZIP-DUPLICATE-NAME", Severity::kHigh, "Two archive members share a name",
              "Readers pick different duplicates: PyTorch (miniz) finds one through a heap-sorted binary search, "
              "Python's zipfile takes the last, other tools the first. A scanner can be shown one member while "
              "the loader reads another."};
    case ZipAnomalyKind::kCaseInsensitiveCollision:
      return {"ZIP-CASE-COLLISION", Severity::kHigh, "Member names differ only in letter case",
              "PyTorch's reader compares names ignoring ASCII case, so these names are one record to it and "
              "different records to case-sensitive tools; which one PyTorch reads depends on its sort order."};
    case ZipAnomalyKind::kLocalNameMismatch:
      return {"ZIP-LOCAL-NAME-MISMATCH", Severity::kHigh, "Local header name differs from the central directory",
              "PyTorch ignores the local name, zipfile refuses the member, and streaming readers that walk local "
              "headers see the other name. No ZIP writer produces this."};
    case ZipAnomalyKind::kLocalHeaderMismatch:
      return {"ZIP-LOCAL-HEADER-MISMATCH", Severity::kMedium, "Local header disagrees with the central directory",
              "PyTorch trusts the central record; readers that stream local headers use the local values and may "
              "decode different bytes."};
    case ZipAnomalyKind::kBadLocalHeader:
      return {"ZIP-BAD-LOCAL-HEADER", Severity::kHigh, "Central record points at no local header",
              "The member cannot be read or scanned; loaders still read the other members."};
    case ZipAnomalyKind::kEntryOutOfBounds:
      return {"ZIP-ENTRY-OUT-OF-BOUNDS", Severity::kHigh, "Member lies outside the file",
              "The member cannot be read or scanned; loaders still read the other members."};
    case ZipAnomalyKind::kEncrypted:
      return {"ZIP-ENCRYPTED-ENTRY", Severity::kHigh, "Encrypted archive member",
              "Its content cannot be scanned. PyTorch refuses to extract it but reads the other members; model "
              "files have no reason to carry encrypted members."};
    case ZipAnomalyKind::kUnsupportedMethod:
      return {"ZIP-UNSUPPORTED-METHOD", Severity::kHigh, "Member uses a compression method the scanner cannot read",
              "Its content cannot be scanned. PyTorch reads only stored and deflate members but reads the others; "
              "Python's zipfile also reads bzip2 and lzma."};
    case ZipAnomalyKind::kSizeInconsistent:
      return {"ZIP-SIZE-INCONSISTENT", Severity::kHigh, "Member sizes are impossible for its method",
              "miniz rejects the whole archive on this record while more lenient readers continue: the readers "
              "disagree on whether the file is loadable at all."};
    case ZipAnomalyKind::kDirectoryWithData:
      return {"ZIP-DIRECTORY-WITH-DATA", Severity::kMedium, "Directory entry carries data",
              "miniz extracts nothing for directory entries (PyTorch then returns an uninitialised buffer of the "
              "declared size), while other readers extract the bytes."};
    case ZipAnomalyKind::kPrefixBytes:
      return {"ZIP-PREFIX-BYTES", Severity::kMedium, "Bytes precede the archive",
              "torch.load only treats a file as a ZIP checkpoint when it starts with a local header; otherwise it "
              "unpickles the file from byte 0 as a legacy checkpoint. The prefix is scanned as its own member."};
    case ZipAnomalyKind::kOffsetsRelativeToPrefix:
      return {"ZIP-OFFSETS-SHIFTED", Severity::kHigh, "Archive offsets only work relative to a prefix",
              "Python's zipfile compensates for bytes prepended to the archive and reads it; PyTorch's miniz does "
              "not find the central directory. The readers disagree on what the file contains."};
    case ZipAnomalyKind::kOverlappingEntries:
      return {"ZIP-OVERLAPPING-ENTRIES", Severity::kHigh, "Archive members overlap",
              "Overlapping members are the construction of non-recursive zip bombs and let one byte range be read "
              "under two names or as two different things."};
    case ZipAnomalyKind::kTrailingBytes:
      return {"ZIP-TRAILING-BYTES", Severity::kLow, "Bytes follow the end of the archive",
              "ZIP readers ignore them; they are scanned as their own member."};
    case ZipAnomalyKind::kCommentLengthMismatch:
      return {"ZIP-COMMENT-LENGTH-MISMATCH", Severity::kLow, "Archive comment length runs past the end of the file",
              "Readers clip the comment; writers never produce this."};
    case ZipAnomalyKind::kArchiveComment:
      return {"ZIP-ARCHIVE-COMMENT", Severity::kInfo, "Archive has a comment", "PyTorch and numpy never write one."};
    case ZipAnomalyKind::kZip64Inconsistent:
      return {"ZIP-ZIP64-INCONSISTENT", Severity::kHigh, "ZIP64 records are inconsistent",
              "miniz follows the ZIP64 locator's offset, zipfile looks right before the locator, and readers "
              "without ZIP64 use the 32-bit fields: each may read a different central directory."};
    case ZipAnomalyKind::kEntryCountMismatch:
      return {"ZIP-ENTRY-COUNT-MISMATCH", Severity::kHigh, "Declared entry count differs from the directory",
              "miniz reads exactly the declared number of records, zipfile every record in the directory: members "
              "can exist for one reader and not the other."};
    case ZipAnomalyKind::kCentralDirectoryCorrupt:
      return {"ZIP-CENTRAL-DIRECTORY-CORRUPT", Severity::kHigh, "Central directory is damaged",
              "Records after the damage could not be read or scanned."};
  }
  return {"ZIP-ANOMALY", Severity::kHigh, "ZIP anomaly", ""};
}

std::uint64_t RatioCap(std::uint64_t compressed, std::uint64_t ratio) {
  if (ratio != 0 && compressed > std::numeric_limits<std::uint64_t>::max() / ratio) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return std::max<std::uint64_t>(kRatioFloorBytes, compressed * ratio);
}

std::string RecordLabel(const ZipEntry& e) { return "record " + std::to_string(e.index); }

class ZipScan {
 public:
  ZipScan(const Blob& blob, ScanContext& ctx, const ZipArchive& archive)
      : blob_(blob), ctx_(ctx), a_(archive), index_(archive) {}

  void Run() {
    prefix_ = PyTorchArchivePrefix(a_);
    if (prefix_) {
      torch_pkl_ = index_.Find(*prefix_ + "/data.pkl");
      if (LooksLikeTorchScript(a_, *prefix_)) ts_constants_ = index_.Find(*prefix_ + "/constants.pkl");
    }
    for (const ZipEntry& e : a_.entries) {
      ++name_count_[e.name];
      std::string_view cut = e.name;
      cut = cut.substr(0, std::min(cut.size(), cut.find('\0')));
      zipfile_pick_[cut] = &e;  // later records overwrite: zipfile's rule
      if (Readable(e)) ++readable_;
    }
    ReportAnomalies();
    ReportTorchLookups();
    QueueSideBytes();
    QueueMembers();
  }

 private:
  std::string Where(const std::string& name) const { return JoinMember(blob_.member, name); }

  void ReportAnomalies() {
    std::set<std::string> duplicate_reported;
    for (const ZipAnomaly& an : a_.anomalies) {
      FindingSpec spec = SpecFor(an.kind);
      Severity sev = spec.severity;
      std::vector<std::pair<std::string, std::string>> evidence = {
          {"anomaly", std::string(ZipAnomalyKindName(an.kind))}};
      const ZipEntry* e = an.entry ? &a_.entries[*an.entry] : nullptr;
      if (e) evidence.emplace_back("record", std::to_string(e->index));
      if (an.kind == ZipAnomalyKind::kDuplicateName || an.kind == ZipAnomalyKind::kCaseInsensitiveCollision) {
        if (!duplicate_reported.insert(an.member).second) continue;
        AddPicks(an.member, evidence);
      }
      if (an.kind == ZipAnomalyKind::kLocalHeaderMismatch && e && e->local_method != e->method) {
        sev = Severity::kHigh;  // a streaming reader decodes different bytes
      }
      if ((an.kind == ZipAnomalyKind::kEncrypted || an.kind == ZipAnomalyKind::kUnsupportedMethod) &&
          !OtherMemberReadable(e)) {
        sev = Severity::kMedium;  // nothing else a loader could read
      }
      ctx_.Report(spec.id, sev, spec.title, Where(an.member), an.offset, an.detail + ". " + spec.why,
                  std::move(evidence));
    }
  }

  // Which record each reader returns for `name`.
  void AddPicks(const std::string& name, std::vector<std::pair<std::string, std::string>>& evidence) {
    const ZipEntry* torch = index_.Find(name);
    auto it = zipfile_pick_.find(name);
    const ZipEntry* zipfile = it == zipfile_pick_.end() ? nullptr : it->second;
    evidence.emplace_back("pytorch_reads", torch ? RecordLabel(*torch) : "none");
    evidence.emplace_back("zipfile_reads", zipfile ? RecordLabel(*zipfile) : "none");
    evidence.emplace_back("readers_agree", torch == zipfile ? "yes" : "no");
  }

  static bool Readable(const ZipEntry& e) {
    return e.has_data && e.PlaintextReadable() && (e.method == kZipMethodStored || e.method == kZipMethodDeflate);
  }

  bool OtherMemberReadable(const ZipEntry* self) const {
    return readable_ > ((self && Readable(*self)) ? 1u : 0u);
  }

  void ReportTorchLookups() {
    if (!prefix_) return;
    const std::string want = *prefix_ + "/data.pkl";
    if (torch_pkl_ && torch_pkl_->name != want) {
      ctx_.Report("ZIP-CASE-INSENSITIVE-MATCH", Severity::kHigh, "PyTorch resolves data.pkl to a differently cased name",
                  Where(torch_pkl_->name), torch_pkl_->local_header_offset,
                  "torch.load asks for '" + want + "' and PyTorch's case-insensitive lookup returns '" +
                      torch_pkl_->name +
                      "'. Tools that look the name up exactly see no data.pkl; the member is what torch.load "
                      "unpickles.",
                  {{"requested", want}, {"resolved", torch_pkl_->name}});
    }
    std::size_t code = 0;
    const std::string code_dir = *prefix_ + "/code/";
    for (const ZipEntry& e : a_.entries) {
      if (e.name.size() > code_dir.size() && e.name.compare(0, code_dir.size(), code_dir) == 0) ++code;
    }
    if (code > 0) {
      ctx_.Report("ZIP-TORCHSCRIPT-CODE", Severity::kInfo, "TorchScript code present", blob_.member, std::nullopt,
                  "The archive holds " + std::to_string(code) + " member(s) under '" + code_dir +
                      "': TorchScript source that torch.jit.load compiles and runs. TorchScript cannot import "
                      "Python modules but can call any registered operator.",
                  {{"code_members", std::to_string(code)}});
    }
  }

  // Bytes before and after the archive are content too: torch.load reads a
  // file that does not start with a local header as a legacy pickle.
  void QueueSideBytes() {
    const std::uint64_t size = blob_.bytes.size();
    if (a_.archive_start > 0 && a_.archive_start <= size) {
      ctx_.EnqueueChild(blob_, "<prefix>", blob_.bytes.first(static_cast<std::size_t>(a_.archive_start)),
                        blob_.owner);
    }
    if (a_.trailing_bytes > 0 && a_.trailing_bytes <= size) {
      ctx_.EnqueueChild(blob_, "<trailing>", blob_.bytes.last(static_cast<std::size_t>(a_.trailing_bytes)),
                        blob_.owner);
    }
  }

  void QueueMembers() {
    keras_ = zipfile_pick_.count("config.json") > 0 && zipfile_pick_.count("metadata.json") > 0;
    // Members with a loader role first, so that when several records share
    // a byte range the queued copy carries the role.
    std::vector<const ZipEntry*> order;
    if (torch_pkl_) order.push_back(torch_pkl_);
    if (ts_constants_ && ts_constants_ != torch_pkl_) order.push_back(ts_constants_);
    for (const ZipEntry& e : a_.entries) {
      if (&e != torch_pkl_ && &e != ts_constants_) order.push_back(&e);
    }
    std::set<std::pair<std::uint64_t, std::uint64_t>> queued;
    for (const ZipEntry* e : order) {
      if (ctx_.OutOfTime()) {
        ctx_.Report("ZIP-TIME-LIMIT", Severity::kHigh, "Archive members left unscanned (time limit)", blob_.member,
                    std::nullopt,
                    "The per-file time budget ran out before every member was queued; the rest is not known to be "
                    "clean.");
        return;
      }
      if (!e->has_data || e->compressed_size == 0 || !e->PlaintextReadable()) continue;
      if (e->method != kZipMethodStored && e->method != kZipMethodDeflate) continue;
      if (!queued.insert({e->data_offset, e->compressed_size}).second) continue;
      std::string role;
      if (e == torch_pkl_) role = "torch-data-pkl";
      if (e == ts_constants_) role = "torchscript-constants";
      // Keras 3 .keras: config.json (the model) and metadata.json go to the
      // Keras config analyzer; model.weights.h5 is routed by content.
      if (keras_ && (e->name == "config.json" || e->name == "metadata.json")) role = "keras-config";
      std::string name = e->name;
      if (name_count_[e->name] > 1) name += " [" + RecordLabel(*e) + "]";
      if (e->method == kZipMethodStored) {
        QueueStored(*e, name, role);
      } else {
        QueueDeflated(*e, name, role);
      }
    }
  }

  void QueueStored(const ZipEntry& e, const std::string& name, std::string role) {
    if (WorthCrcCheck(e, role)) {
      if (crc32_z(0L, e.data.data(), e.data.size()) != e.crc32) ReportCrc(e, name);
    }
    ctx_.EnqueueChild(blob_, name, e.data, blob_.owner, std::move(role));
  }

  void QueueDeflated(const ZipEntry& e, const std::string& name, std::string role) {
    const Limits& lim = ctx_.limits();
    const std::uint64_t ratio_cap = RatioCap(e.compressed_size, lim.max_expansion_ratio);
    const std::uint64_t declared = e.uncompressed_size;
    if (declared > lim.max_member_bytes) return ReportTooLarge(e, name, declared);
    if (declared > ratio_cap) return ReportRatio(e, name, declared);
    if (!ctx_.ChargeDecompressed(declared, blob_)) return;
    // The declared size is only a claim: inflate under the real bounds and
    // charge whatever the stream yields beyond the claim.
    const std::uint64_t budget = ctx_.DecompressionBudget();
    const std::uint64_t budget_cap =
        budget > std::numeric_limits<std::uint64_t>::max() - declared ? budget : declared + budget;
    const std::uint64_t cap = std::min({lim.max_member_bytes, ratio_cap, budget_cap});
    Result<ExtractedEntry> x = ExtractEntry(e, cap);
    if (!x.ok()) {
      if (x.status().code() != StatusCode::kLimitExceeded) {
        ctx_.Report("ZIP-INFLATE-ERROR", Severity::kHigh, "Compressed member cannot be decompressed", Where(name),
                    e.data_offset,
                    x.status().message() +
                        ". The member was not scanned. PyTorch fails on this record but reads the other members.");
      } else if (cap == ratio_cap) {
        ReportRatio(e, name, cap + 1);
      } else if (cap == lim.max_member_bytes) {
        ReportTooLarge(e, name, cap + 1);
      } else {
        (void)ctx_.ChargeDecompressed(std::numeric_limits<std::uint64_t>::max(), blob_);
      }
      return;
    }
    const std::uint64_t actual = x->bytes.size();
    if (actual > declared) (void)ctx_.ChargeDecompressed(actual - declared, blob_);
    if (!x->size_ok) {
      ctx_.Report("ZIP-DECLARED-SIZE-MISMATCH", Severity::kMedium, "Member inflates to a size other than declared",
                  Where(name), e.data_offset,
                  "The central directory declares " + std::to_string(declared) + " bytes; the stream yields " +
                      std::to_string(actual) +
                      ". PyTorch fails on this record; zipfile stops at the declared size. All inflated bytes "
                      "were scanned.",
                  {{"declared", std::to_string(declared)}, {"actual", std::to_string(actual)}});
    }
    if (!x->crc_ok) ReportCrc(e, name);
    auto owner = std::make_shared<const std::vector<std::uint8_t>>(std::move(x->bytes));
    ctx_.EnqueueChild(blob_, name, ByteView(*owner), owner, std::move(role));
  }

  void ReportCrc(const ZipEntry& e, const std::string& name) {
    ctx_.Report("ZIP-CRC-MISMATCH", Severity::kHigh, "Member content does not match its CRC-32", Where(name),
                e.data_offset,
                "The member's bytes do not match the CRC-32 in the central directory: it was changed after the "
                "archive was written. PyTorch does not check CRCs (it builds miniz with "
                "MINIZ_DISABLE_ZIP_READER_CRC32_CHECKS) and loads it anyway; Python's zipfile rejects it.",
                {{"record", std::to_string(e.index)}});
  }

  void ReportRatio(const ZipEntry& e, const std::string& name, std::uint64_t size) {
    ctx_.Report("ZIP-EXPANSION-RATIO", Severity::kHigh, "Member expands beyond the allowed ratio", Where(name),
                e.data_offset,
                std::to_string(e.compressed_size) + " compressed bytes expand to at least " + std::to_string(size) +
                    ", more than " + std::to_string(ctx_.limits().max_expansion_ratio) +
                    " times; the member was not scanned. Model weights do not compress like this; decompression "
                    "bombs do.",
                {{"compressed", std::to_string(e.compressed_size)}, {"uncompressed_at_least", std::to_string(size)}});
  }

  void ReportTooLarge(const ZipEntry& e, const std::string& name, std::uint64_t size) {
    ctx_.Report("ZIP-MEMBER-TOO-LARGE", Severity::kHigh, "Compressed member larger than the scanner extracts",
                Where(name), e.data_offset,
                "The member expands to at least " + std::to_string(size) + " bytes, over the per-member limit of " +
                    std::to_string(ctx_.limits().max_member_bytes) + "; it was not scanned.",
                {{"uncompressed_at_least", std::to_string(size)}});
  }

  const Blob& blob_;
  ScanContext& ctx_;
  const ZipArchive& a_;
  MinizNameIndex index_;
  std::optional<std::string> prefix_;
  const ZipEntry* torch_pkl_ = nullptr;
  const ZipEntry* ts_constants_ = nullptr;
  std::unordered_map<std::string, std::uint32_t> name_count_;
  // Name (cut at NUL) -> the record Python's zipfile returns for it.
  std::unordered_map<std::string_view, const ZipEntry*> zipfile_pick_;
  std::uint64_t readable_ = 0;  // members a loader could extract
  bool keras_ = false;          // a Keras 3 archive (config.json + metadata.json)
};

}  // namespace

void AnalyzeZip(const Blob& blob, ScanContext& ctx) {
  Result<ZipArchive> parsed = ParseZip(blob.bytes, ctx.limits());
  if (!parsed.ok()) {
    if (parsed.status().code() == StatusCode::kLimitExceeded) {
      ctx.Report("ZIP-ENTRY-LIMIT", Severity::kHigh, "Archive has more members than the scanner reads", blob.member,
                 std::nullopt,
                 parsed.status().message() + ". No member was scanned. Model archives hold a few thousand members "
                                             "at most.",
                 {{"limit", std::to_string(ctx.limits().max_archive_entries)}});
    } else {
      ctx.Report("ZIP-UNREADABLE", Severity::kHigh, "ZIP structure cannot be read", blob.member, std::nullopt,
                 parsed.status().message() +
                     ". The content was routed as a ZIP archive but its central directory cannot be located, so "
                     "no member was scanned.");
    }
    return;
  }
  ZipScan(blob, ctx, parsed.value()).Run();
}

}  // namespace modelgate
