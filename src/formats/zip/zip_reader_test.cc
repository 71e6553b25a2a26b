// Tests for the ZIP reader and the ZIP analyzer.
//
// Archives are built byte by byte with ZipBuilder so each anomaly can be
// produced on its own. Expectations about which duplicate PyTorch reads
// were recorded from the real loader: torch._C.PyTorchFileReader(...)
// .get_record("data.pkl") on the same layouts (torch 1.13, Debian), and
// Python 3.11's zipfile.ZipFile(...).read(...).
#include "formats/zip/zip_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <deque>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "modelgate/policy.h"
#include "scan/analyzers.h"
#include "scan/scan_context.h"

namespace modelgate {
namespace {

void PutU16(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void PutU32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void PutU64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void PutStr(std::vector<std::uint8_t>& out, const std::string& s) { out.insert(out.end(), s.begin(), s.end()); }

std::uint32_t Crc(const std::string& s) {
  return static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

std::string Deflate(const std::string& plain) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, plain.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Builds ZIP archives field by field; every field can be made to lie.
class ZipBuilder {
 public:
  struct Entry {
    std::string name;
    std::string local_name;
    std::string payload;  // bytes as stored (compressed for deflate)
    std::uint16_t method = 0;
    std::uint16_t local_method = 0;
    std::uint16_t flags = 0;
    std::uint32_t crc = 0;
    std::uint32_t comp = 0;
    std::uint32_t uncomp = 0;
    std::uint32_t external_attributes = 0;
    std::optional<std::uint32_t> offset_override;  // central local-header offset
  };

  Entry& Stored(const std::string& name, const std::string& data) {
    Entry e;
    e.name = e.local_name = name;
    e.payload = data;
    e.crc = Crc(data);
    e.comp = e.uncomp = static_cast<std::uint32_t>(data.size());
    entries.push_back(e);
    return entries.back();
  }
  Entry& Deflated(const std::string& name, const std::string& plain) {
    Entry e;
    e.name = e.local_name = name;
    e.payload = Deflate(plain);
    e.method = e.local_method = 8;
    e.crc = Crc(plain);
    e.comp = static_cast<std::uint32_t>(e.payload.size());
    e.uncomp = static_cast<std::uint32_t>(plain.size());
    entries.push_back(e);
    return entries.back();
  }

  std::vector<std::uint8_t> Build() const {
    std::vector<std::uint8_t> out(prefix.begin(), prefix.end());
    const std::uint32_t base = offsets_relative_to_prefix ? static_cast<std::uint32_t>(prefix.size()) : 0;
    std::vector<std::uint32_t> offsets;
    for (const Entry& e : entries) {
      offsets.push_back(static_cast<std::uint32_t>(out.size()) - base);
      PutU32(out, 0x04034b50);
      PutU16(out, 20);
      PutU16(out, e.flags);
      PutU16(out, e.local_method);
      PutU16(out, 0);
      PutU16(out, 0);
      PutU32(out, e.crc);
      PutU32(out, e.comp);
      PutU32(out, e.uncomp);
      PutU16(out, static_cast<std::uint32_t>(e.local_name.size()));
      PutU16(out, 0);
      PutStr(out, e.local_name);
      PutStr(out, e.payload);
    }
    const std::uint32_t cd_start = static_cast<std::uint32_t>(out.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const Entry& e = entries[i];
      PutU32(out, 0x02014b50);
      PutU16(out, 20);
      PutU16(out, 20);
      PutU16(out, e.flags);
      PutU16(out, e.method);
      PutU16(out, 0);
      PutU16(out, 0);
      PutU32(out, e.crc);
      PutU32(out, e.comp);
      PutU32(out, e.uncomp);
      PutU16(out, static_cast<std::uint32_t>(e.name.size()));
      PutU16(out, 0);
      PutU16(out, 0);
      PutU16(out, 0);
      PutU16(out, 0);
      PutU32(out, e.external_attributes);
      PutU32(out, e.offset_override.value_or(offsets[i]));
      PutStr(out, e.name);
    }
    PutStr(out, cd_junk);
    const std::uint32_t cd_size = static_cast<std::uint32_t>(out.size()) - cd_start;
    const std::uint32_t count = count_override.value_or(static_cast<std::uint32_t>(entries.size()));
    if (zip64) {
      const std::uint64_t record_at = out.size();
      PutU32(out, 0x06064b50);
      PutU64(out, 44);
      PutU16(out, 45);
      PutU16(out, 45);
      PutU32(out, 0);
      PutU32(out, 0);
      PutU64(out, count);
      PutU64(out, count);
      PutU64(out, cd_size);
      PutU64(out, cd_start - base);
      PutU32(out, 0x07064b50);
      PutU32(out, 0);
      PutU64(out, zip64_locator_override.value_or(record_at));
      PutU32(out, 1);
    }
    PutU32(out, 0x06054b50);
    PutU16(out, 0);
    PutU16(out, 0);
    PutU16(out, zip64 ? 0xFFFF : count);
    PutU16(out, zip64 ? 0xFFFF : count);
    PutU32(out, cd_size);
    PutU32(out, zip64 ? 0xFFFFFFFFu : cd_start - base);
    PutU16(out, static_cast<std::uint32_t>(comment.size()));
    PutStr(out, comment);
    PutStr(out, trailing);
    return out;
  }

  std::vector<Entry> entries;
  std::string prefix;
  bool offsets_relative_to_prefix = false;
  std::string comment;
  std::string trailing;
  std::string cd_junk;
  std::optional<std::uint32_t> count_override;
  bool zip64 = false;
  std::optional<std::uint64_t> zip64_locator_override;
};

// ZipArchive and queued Blobs borrow the bytes they were parsed from; tests
// build archives as temporaries, so Keep() holds them for the rest of the run.
const std::vector<std::uint8_t>& Keep(std::vector<std::uint8_t> bytes) {
  static std::deque<std::vector<std::uint8_t>> kept;
  kept.push_back(std::move(bytes));
  return kept.back();
}

ZipArchive ParseOk(std::vector<std::uint8_t> built) {
  const std::vector<std::uint8_t>& bytes = Keep(std::move(built));
  Result<ZipArchive> r = ParseZip(bytes, Limits::Default());
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : ZipArchive();
}

int CountAnomalies(const ZipArchive& a, ZipAnomalyKind kind) {
  int n = 0;
  for (const ZipAnomaly& an : a.anomalies) n += an.kind == kind;
  return n;
}

std::string Text(ByteView v) { return std::string(AsStringView(v)); }

std::vector<std::uint8_t> ReadFixture(const std::string& rel) {
  std::ifstream in(std::string(MODELGATE_SOURCE_DIR) + "/" + rel, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// --- Structure -------------------------------------------------------------

TEST(ZipReader, ParsesStoredArchiveWithoutAnomalies) {
  ZipBuilder b;
  b.Stored("archive/data.pkl", "PICKLE");
  b.Stored("archive/version", "3\n");
  std::vector<std::uint8_t> bytes = b.Build();
  Result<ZipArchive> r = ParseZip(bytes, Limits::Default());
  ASSERT_TRUE(r.ok());
  const ZipArchive& a = r.value();
  ASSERT_EQ(a.entries.size(), 2u);
  EXPECT_TRUE(a.anomalies.empty());
  EXPECT_EQ(a.archive_start, 0u);
  EXPECT_EQ(a.entries[0].name, "archive/data.pkl");
  EXPECT_TRUE(a.entries[0].has_data);
  EXPECT_EQ(Text(a.entries[0].data), "PICKLE");
  EXPECT_EQ(a.entries[0].data.data(), bytes.data() + 30 + 16);  // a view, not a copy
  EXPECT_EQ(PyTorchArchivePrefix(a), std::optional<std::string>("archive"));
}

TEST(ZipReader, RejectsFileWithoutEndOfCentralDirectory) {
  std::vector<std::uint8_t> bytes(100, 'x');
  Result<ZipArchive> r = ParseZip(bytes, Limits::Default());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
}

TEST(ZipReader, RejectsCentralDirectoryPastEndOfFile) {
  ZipBuilder b;
  b.Stored("a", "x");
  std::vector<std::uint8_t> bytes = b.Build();
  bytes[bytes.size() - 6] = 0xF0;  // central directory offset high byte
  Result<ZipArchive> r = ParseZip(bytes, Limits::Default());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
}

TEST(ZipReader, StopsAtEntryLimit) {
  ZipBuilder b;
  for (int i = 0; i < 5; ++i) b.Stored("f" + std::to_string(i), "x");
  Limits limits;
  limits.max_archive_entries = 4;
  Result<ZipArchive> r = ParseZip(b.Build(), limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kLimitExceeded);
}

TEST(ZipReader, ReadsZip64EndOfCentralDirectory) {
  ZipBuilder b;
  b.zip64 = true;
  b.Stored("archive/data.pkl", "P");
  ZipArchive a = ParseOk(b.Build());
  EXPECT_TRUE(a.zip64);
  ASSERT_EQ(a.entries.size(), 1u);
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kZip64Inconsistent), 0);
  EXPECT_EQ(Text(a.entries[0].data), "P");
}

TEST(ZipReader, ReportsZip64LocatorPointingAwayFromRecord) {
  ZipBuilder b;
  b.zip64 = true;
  b.zip64_locator_override = 3;  // not a ZIP64 record; zipfile still finds one before the locator
  b.Stored("archive/data.pkl", "P");
  ZipArchive a = ParseOk(b.Build());
  EXPECT_GE(CountAnomalies(a, ZipAnomalyKind::kZip64Inconsistent), 1);
  EXPECT_EQ(a.entries.size(), 1u);
}

// --- Reader disagreements ----------------------------------------------------

struct DuplicateCase {
  int copies;
  int torch_picks;    // index among the duplicates, recorded from PyTorch
  int zipfile_picks;  // always the last
};

class ZipDuplicateTest : public ::testing::TestWithParam<DuplicateCase> {};

TEST_P(ZipDuplicateTest, PicksTheDuplicatePyTorchAndZipfileRead) {
  const DuplicateCase c = GetParam();
  ZipBuilder b;
  b.Stored("archive/version", "3\n");
  for (int i = 0; i < c.copies; ++i) b.Stored("archive/data.pkl", "D" + std::to_string(i));
  ZipArchive a = ParseOk(b.Build());
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kDuplicateName), c.copies - 1);
  const ZipEntry* torch = FindEntryLikePyTorch(a, "archive/data.pkl");
  const ZipEntry* zipfile = FindEntryLikeZipfile(a, "archive/data.pkl");
  ASSERT_NE(torch, nullptr);
  ASSERT_NE(zipfile, nullptr);
  EXPECT_EQ(Text(torch->data), "D" + std::to_string(c.torch_picks));
  EXPECT_EQ(Text(zipfile->data), "D" + std::to_string(c.zipfile_picks));
}

INSTANTIATE_TEST_SUITE_P(RecordedFromTorch, ZipDuplicateTest,
                         ::testing::Values(DuplicateCase{2, 1, 1}, DuplicateCase{3, 1, 2}, DuplicateCase{4, 2, 3},
                                           DuplicateCase{5, 2, 4}, DuplicateCase{6, 3, 5}));

TEST(ZipReader, PyTorchLookupIgnoresCaseAndZipfileDoesNot) {
  ZipBuilder b;
  b.Stored("archive/version", "3\n");
  b.Stored("archive/DATA.PKL", "upper");
  ZipArchive a = ParseOk(b.Build());
  const ZipEntry* torch = FindEntryLikePyTorch(a, "archive/data.pkl");
  ASSERT_NE(torch, nullptr);
  EXPECT_EQ(Text(torch->data), "upper");
  EXPECT_EQ(FindEntryLikeZipfile(a, "archive/data.pkl"), nullptr);
}

TEST(ZipReader, ReportsNamesThatCollideIgnoringCase) {
  ZipBuilder b;
  b.Stored("archive/version", "3\n");
  b.Stored("archive/DATA.PKL", "upper");
  b.Stored("archive/data.pkl", "lower");
  ZipArchive a = ParseOk(b.Build());
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kCaseInsensitiveCollision), 1);
  EXPECT_EQ(Text(FindEntryLikePyTorch(a, "archive/data.pkl")->data), "lower");  // as torch 1.13 reads it
}

TEST(ZipReader, ReportsLocalNameMismatchAndPyTorchIgnoresIt) {
  ZipBuilder b;
  b.Stored("archive/version", "3\n");
  b.Stored("archive/data.pkl", "x").local_name = "archive/evil.pkl";
  ZipArchive a = ParseOk(b.Build());
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kLocalNameMismatch), 1);
  const ZipEntry* torch = FindEntryLikePyTorch(a, "archive/data.pkl");
  ASSERT_NE(torch, nullptr);
  EXPECT_EQ(torch->local_name, "archive/evil.pkl");
  EXPECT_EQ(Text(torch->data), "x");
}

TEST(ZipReader, ReportsLocalMethodMismatch) {
  ZipBuilder b;
  b.Stored("a", "abc").local_method = 8;
  ZipArchive a = ParseOk(b.Build());
  ASSERT_EQ(CountAnomalies(a, ZipAnomalyKind::kLocalHeaderMismatch), 1);
  EXPECT_EQ(a.entries[0].local_method, 8);
}

TEST(ZipReader, ReportsLocalSizeMismatch) {
  ZipBuilder b;
  ZipBuilder::Entry& e = b.Stored("a", "abc");
  std::vector<std::uint8_t> bytes = b.Build();
  bytes[18] = 9;  // local compressed size
  (void)e;
  ZipArchive a = ParseOk(bytes);
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kLocalHeaderMismatch), 1);
}

TEST(ZipReader, AcceptsZeroedLocalSizesWithDataDescriptorFlag) {
  ZipBuilder b;
  b.Stored("a", "abc").flags = 0x0008;
  std::vector<std::uint8_t> bytes = b.Build();
  for (int i = 14; i < 26; ++i) bytes[i] = 0;  // local crc and sizes, as PyTorch writes them
  ZipArchive a = ParseOk(bytes);
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kLocalHeaderMismatch), 0);
}

TEST(ZipReader, ReportsEncryptedEntryAndRefusesToExtractIt) {
  ZipBuilder b;
  b.Stored("a", "secret").flags = 0x0001;
  ZipArchive a = ParseOk(b.Build());
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kEncrypted), 1);
  Result<ExtractedEntry> x = ExtractEntry(a.entries[0], 1000);
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().code(), StatusCode::kNotSupported);
}

TEST(ZipReader, ReportsUnsupportedMethod) {
  ZipBuilder b;
  ZipBuilder::Entry& e = b.Stored("a", "BZh9");
  e.method = e.local_method = 12;
  ZipArchive a = ParseOk(b.Build());
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kUnsupportedMethod), 1);
  Result<ExtractedEntry> x = ExtractEntry(a.entries[0], 1000);
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().code(), StatusCode::kNotSupported);
}

TEST(ZipReader, ReportsStoredEntryWithDifferingSizes) {
  ZipBuilder b;
  b.Stored("a", "abc").uncomp = 7;
  ZipArchive a = ParseOk(b.Build());
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kSizeInconsistent), 1);
}

TEST(ZipReader, ReportsDirectoryEntryWithData) {
  ZipBuilder b;
  b.Stored("archive/data.pkl", "x").external_attributes = 0x10;
  ZipArchive a = ParseOk(b.Build());
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kDirectoryWithData), 1);
  EXPECT_TRUE(a.entries[0].IsDirectory());
}

TEST(ZipReader, ReportsPrefixBytesWithAbsoluteOffsets) {
  ZipBuilder b;
  b.prefix = "JUNKJUNKJUNKJUNK";
  b.Stored("archive/data.pkl", "hello");
  ZipArchive a = ParseOk(b.Build());
  EXPECT_EQ(a.archive_start, 16u);
  EXPECT_EQ(a.offset_bias, 0u);
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kPrefixBytes), 1);
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kOffsetsRelativeToPrefix), 0);
  EXPECT_EQ(Text(a.entries[0].data), "hello");
}

TEST(ZipReader, ReadsArchiveAppendedWithoutFixingOffsetsLikeZipfile) {
  ZipBuilder b;
  b.prefix = "JUNKJUNKJUNKJUNK";
  b.offsets_relative_to_prefix = true;
  b.Stored("archive/data.pkl", "hello");
  ZipArchive a = ParseOk(b.Build());
  EXPECT_EQ(a.offset_bias, 16u);
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kOffsetsRelativeToPrefix), 1);
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kPrefixBytes), 1);
  ASSERT_EQ(a.entries.size(), 1u);
  EXPECT_EQ(Text(a.entries[0].data), "hello");
}

TEST(ZipReader, ReportsEntriesSharingOneLocalHeader) {
  ZipBuilder b;
  b.Stored("a", "shared");
  b.Stored("b", "other").offset_override = 0;
  ZipArchive a = ParseOk(b.Build());
  EXPECT_GE(CountAnomalies(a, ZipAnomalyKind::kOverlappingEntries), 1);
  EXPECT_EQ(a.entries[1].data.data(), a.entries[0].data.data());
}

TEST(ZipReader, ReportsLocalHeaderInsideAnotherEntrysData) {
  ZipBuilder b;
  // A complete local header hidden inside the first member's data.
  std::string inner = std::string("PK\x03\x04", 4) + std::string(26, '\0');
  b.Stored("outer", "xx" + inner);
  b.Stored("inner", "").offset_override = 30 + 5 + 2;
  ZipArchive a = ParseOk(b.Build());
  EXPECT_GE(CountAnomalies(a, ZipAnomalyKind::kOverlappingEntries), 1);
}

TEST(ZipReader, ReportsEntryPointingPastEndOfFile) {
  ZipBuilder b;
  b.Stored("a", "x").offset_override = 0x7FFFFFF0;
  ZipArchive a = ParseOk(b.Build());
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kEntryOutOfBounds), 1);
  EXPECT_FALSE(a.entries[0].has_data);
}

TEST(ZipReader, ReportsMissingLocalHeaderSignature) {
  ZipBuilder b;
  b.Stored("a", "abcdefgh").offset_override = 4;
  ZipArchive a = ParseOk(b.Build());
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kBadLocalHeader), 1);
  EXPECT_FALSE(a.entries[0].has_data);
}

TEST(ZipReader, ReportsCommentAndTrailingBytes) {
  ZipBuilder b;
  b.Stored("a", "x");
  b.comment = "hello";
  b.trailing = "TRAILER";
  ZipArchive a = ParseOk(b.Build());
  EXPECT_EQ(Text(a.comment), "hello");
  EXPECT_EQ(a.trailing_bytes, 7u);
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kArchiveComment), 1);
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kTrailingBytes), 1);
}

TEST(ZipReader, HidesRecordsBeyondDeclaredCountFromPyTorchOnly) {
  ZipBuilder b;
  b.Stored("archive/version", "3\n");
  b.Stored("archive/data.pkl", "hidden");
  b.count_override = 1;
  ZipArchive a = ParseOk(b.Build());
  ASSERT_EQ(a.entries.size(), 2u);
  EXPECT_FALSE(a.entries[1].in_declared_count);
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kEntryCountMismatch), 1);
  EXPECT_EQ(FindEntryLikePyTorch(a, "archive/data.pkl"), nullptr);
  EXPECT_NE(FindEntryLikeZipfile(a, "archive/data.pkl"), nullptr);
}

TEST(ZipReader, KeepsEntriesBeforeCorruptCentralRecord) {
  ZipBuilder b;
  b.Stored("a", "x");
  b.cd_junk = std::string(50, 'J');
  ZipArchive a = ParseOk(b.Build());
  EXPECT_EQ(a.entries.size(), 1u);
  EXPECT_EQ(CountAnomalies(a, ZipAnomalyKind::kCentralDirectoryCorrupt), 1);
}

TEST(ZipReader, ZipfileLookupCutsNamesAtNul) {
  ZipBuilder b;
  b.Stored(std::string("a.npy\0evil", 10), "x");
  ZipArchive a = ParseOk(b.Build());
  EXPECT_NE(FindEntryLikeZipfile(a, "a.npy"), nullptr);
  EXPECT_EQ(FindEntryLikePyTorch(a, "a.npy"), nullptr);
}

// --- Extraction ----------------------------------------------------------------

TEST(ZipExtract, InflatesDeflateAndChecksCrc) {
  std::string plain;
  for (int i = 0; i < 5000; ++i) plain += "row " + std::to_string(i) + "\n";
  ZipBuilder b;
  b.Deflated("d", plain);
  ZipArchive a = ParseOk(b.Build());
  Result<ExtractedEntry> x = ExtractEntry(a.entries[0], plain.size());
  ASSERT_TRUE(x.ok()) << x.status().ToString();
  EXPECT_EQ(std::string(x->bytes.begin(), x->bytes.end()), plain);
  EXPECT_TRUE(x->crc_ok);
  EXPECT_TRUE(x->size_ok);
}

TEST(ZipExtract, StopsAtMaxOut) {
  std::string plain(100000, 'z');
  ZipBuilder b;
  b.Deflated("d", plain);
  ZipArchive a = ParseOk(b.Build());
  Result<ExtractedEntry> x = ExtractEntry(a.entries[0], plain.size() - 1);
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().code(), StatusCode::kLimitExceeded);
  Result<ExtractedEntry> zero_limit = ExtractEntry(a.entries[0], 0);
  EXPECT_EQ(zero_limit.status().code(), StatusCode::kLimitExceeded);
}

TEST(ZipExtract, RecordsCrcMismatchWithoutFailing) {
  ZipBuilder b;
  b.Stored("a", "hello").crc = 1234;
  ZipArchive a = ParseOk(b.Build());
  Result<ExtractedEntry> x = ExtractEntry(a.entries[0], 100);
  ASSERT_TRUE(x.ok());
  EXPECT_FALSE(x->crc_ok);
  EXPECT_EQ(std::string(x->bytes.begin(), x->bytes.end()), "hello");
}

TEST(ZipExtract, RejectsTruncatedDeflateStream) {
  std::string plain;
  for (int i = 0; i < 2000; ++i) plain += std::to_string(i * 7919);
  ZipBuilder b;
  ZipBuilder::Entry& e = b.Deflated("d", plain);
  e.payload.resize(e.payload.size() / 2);
  e.comp = static_cast<std::uint32_t>(e.payload.size());
  ZipArchive a = ParseOk(b.Build());
  Result<ExtractedEntry> x = ExtractEntry(a.entries[0], 1 << 20);
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().code(), StatusCode::kCorruption);
}

TEST(ZipExtract, ReportsSizeOtherThanDeclared) {
  ZipBuilder b;
  b.Deflated("d", "abcabcabc").uncomp = 3;
  ZipArchive a = ParseOk(b.Build());
  Result<ExtractedEntry> x = ExtractEntry(a.entries[0], 100);
  ASSERT_TRUE(x.ok());
  EXPECT_FALSE(x->size_ok);
  EXPECT_EQ(x->bytes.size(), 9u);
}

// --- Real files --------------------------------------------------------------

TEST(ZipReader, ParsesRealTorchSaveFile) {
  std::vector<std::uint8_t> bytes = ReadFixture("tests/fixtures/zip/torch_state_dict_small.pt");
  ASSERT_FALSE(bytes.empty());
  ZipArchive a = ParseOk(bytes);
  EXPECT_TRUE(a.anomalies.empty());
  EXPECT_EQ(PyTorchArchivePrefix(a), std::optional<std::string>("torch_state_dict_small"));
  const ZipEntry* pkl = FindEntryLikePyTorch(a, "torch_state_dict_small/data.pkl");
  ASSERT_NE(pkl, nullptr);
  EXPECT_EQ(pkl, FindEntryLikeZipfile(a, "torch_state_dict_small/data.pkl"));
  Result<ExtractedEntry> x = ExtractEntry(*pkl, 1 << 20);
  ASSERT_TRUE(x.ok());
  EXPECT_TRUE(x->crc_ok);
  ASSERT_FALSE(x->bytes.empty());
  EXPECT_EQ(x->bytes[0], 0x80);  // pickle PROTO opcode
  EXPECT_FALSE(LooksLikeTorchScript(a, "torch_state_dict_small"));
}

TEST(ZipReader, ParsesRealNumpySavezFiles) {
  for (const char* name : {"tests/fixtures/zip/numpy_savez_small.npz",
                           "tests/fixtures/zip/numpy_savez_compressed_small.npz"}) {
    std::vector<std::uint8_t> bytes = ReadFixture(name);
    ASSERT_FALSE(bytes.empty()) << name;
    ZipArchive a = ParseOk(bytes);
    EXPECT_TRUE(a.anomalies.empty()) << name;
    const ZipEntry* e = FindEntryLikeZipfile(a, "a.npy");
    ASSERT_NE(e, nullptr) << name;
    Result<ExtractedEntry> x = ExtractEntry(*e, 1 << 20);
    ASSERT_TRUE(x.ok()) << name;
    EXPECT_TRUE(x->crc_ok);
    EXPECT_EQ(std::string(x->bytes.begin(), x->bytes.begin() + 6), "\x93NUMPY");
  }
}

TEST(ZipReader, RecognisesRealTorchScriptFile) {
  std::vector<std::uint8_t> bytes = ReadFixture("tests/fixtures/zip/torchscript_module_small.pt");
  ASSERT_FALSE(bytes.empty());
  ZipArchive a = ParseOk(bytes);
  EXPECT_TRUE(a.anomalies.empty());
  std::optional<std::string> prefix = PyTorchArchivePrefix(a);
  ASSERT_TRUE(prefix.has_value());
  EXPECT_TRUE(LooksLikeTorchScript(a, *prefix));
}

// --- Analyzer ----------------------------------------------------------------

// AnalyzeZip never consults the policy; an empty one keeps the test
// independent of the built-in lists.
const Policy& NoPolicy() {
  static const Policy policy;
  return policy;
}

struct AnalyzerRun {
  std::vector<Finding> findings;
  std::vector<Blob> children;
  bool Has(const std::string& id) const {
    for (const Finding& f : findings) {
      if (f.id == id) return true;
    }
    return false;
  }
  const Finding* Get(const std::string& id) const {
    for (const Finding& f : findings) {
      if (f.id == id) return &f;
    }
    return nullptr;
  }
};

// REQUIRES: `bytes` outlives the returned run (children borrow it).
AnalyzerRun AnalyzeInPlace(const std::vector<std::uint8_t>& bytes, const Limits& limits = Limits::Default()) {
  ScanContext ctx("test.pt", limits, NoPolicy());
  Blob blob;
  blob.bytes = bytes;
  AnalyzeZip(blob, ctx);
  AnalyzerRun run;
  while (ctx.HasPending()) run.children.push_back(ctx.PopPending());
  run.findings = ctx.TakeFindings();
  return run;
}

AnalyzerRun Analyze(std::vector<std::uint8_t> built) { return AnalyzeInPlace(Keep(std::move(built))); }

TEST(ZipAnalyzer, QueuesTorchRecordsWithRolesAndStoredMembersZeroCopy) {
  std::vector<std::uint8_t> bytes = ReadFixture("tests/fixtures/zip/torch_state_dict_small.pt");
  AnalyzerRun run = AnalyzeInPlace(bytes);
  EXPECT_TRUE(run.findings.empty());
  ASSERT_EQ(run.children.size(), 3u);
  EXPECT_EQ(run.children[0].member, "torch_state_dict_small/data.pkl");
  EXPECT_EQ(run.children[0].role, "torch-data-pkl");
  for (const Blob& c : run.children) {
    EXPECT_GE(c.bytes.data(), bytes.data());
    EXPECT_LE(c.bytes.data() + c.bytes.size(), bytes.data() + bytes.size());
    EXPECT_EQ(c.depth, 1u);
  }
}

TEST(ZipAnalyzer, MarksTorchScriptConstantsAndReportsCode) {
  AnalyzerRun run = Analyze(ReadFixture("tests/fixtures/zip/torchscript_module_small.pt"));
  const Finding* code = run.Get("ZIP-TORCHSCRIPT-CODE");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(code->severity, Severity::kInfo);
  bool constants = false, data = false;
  for (const Blob& c : run.children) {
    constants |= c.role == "torchscript-constants";
    data |= c.role == "torch-data-pkl";
  }
  EXPECT_TRUE(constants);
  EXPECT_TRUE(data);
}

TEST(ZipAnalyzer, ReportsDuplicateWhereReadersDisagree) {
  ZipBuilder b;
  b.Stored("archive/version", "3\n");
  for (int i = 0; i < 3; ++i) b.Stored("archive/data.pkl", "D" + std::to_string(i));
  AnalyzerRun run = Analyze(b.Build());
  const Finding* f = run.Get("ZIP-DUPLICATE-NAME");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);
  bool disagree = false;
  for (const auto& [k, v] : f->evidence) disagree |= k == "readers_agree" && v == "no";
  EXPECT_TRUE(disagree);
  int torch_roles = 0;
  for (const Blob& c : run.children) {
    if (c.role == "torch-data-pkl") {
      ++torch_roles;
      EXPECT_EQ(Text(c.bytes), "D1");
      EXPECT_EQ(c.member, "archive/data.pkl [record 2]");
    }
  }
  EXPECT_EQ(torch_roles, 1);
  EXPECT_EQ(run.children.size(), 4u);
}

TEST(ZipAnalyzer, QueuesSharedByteRangeOnce) {
  ZipBuilder b;
  b.Stored("a", "shared");
  b.Stored("b", "SHARED").offset_override = 0;  // same length: the identical byte range
  AnalyzerRun run = Analyze(b.Build());
  EXPECT_TRUE(run.Has("ZIP-OVERLAPPING-ENTRIES"));
  EXPECT_TRUE(run.Has("ZIP-LOCAL-NAME-MISMATCH"));
  EXPECT_EQ(run.children.size(), 1u);
}

TEST(ZipAnalyzer, SkipsMemberBeyondExpansionRatio) {
  ZipBuilder b;
  b.Deflated("bomb", std::string(4 << 20, '\0'));
  AnalyzerRun run = Analyze(b.Build());
  const Finding* f = run.Get("ZIP-EXPANSION-RATIO");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_TRUE(run.children.empty());
}

TEST(ZipAnalyzer, CatchesStreamLongerThanDeclaredWithinRatio) {
  ZipBuilder b;
  b.Deflated("bomb", std::string(4 << 20, '\0')).uncomp = 10;  // lies to pass the pre-check
  AnalyzerRun run = Analyze(b.Build());
  EXPECT_TRUE(run.Has("ZIP-EXPANSION-RATIO"));
  EXPECT_TRUE(run.children.empty());
}

TEST(ZipAnalyzer, InflatesDeflatedMembersIntoOwnedBuffers) {
  ZipBuilder b;
  b.Deflated("archive/data.pkl", std::string("\x80\x02}q\x00.", 6));
  b.entries.insert(b.entries.begin(), ZipBuilder::Entry{});
  b.entries[0].name = b.entries[0].local_name = "archive/version";
  AnalyzerRun run = Analyze(b.Build());
  ASSERT_FALSE(run.children.empty());
  EXPECT_EQ(run.children[0].role, "torch-data-pkl");
  ASSERT_NE(run.children[0].owner, nullptr);
  EXPECT_EQ(Text(run.children[0].bytes), std::string("\x80\x02}q\x00.", 6));
}

TEST(ZipAnalyzer, ReportsCrcMismatchAsHigh) {
  ZipBuilder b;
  b.Stored("archive/data.pkl", "jello").crc = Crc("hello");
  AnalyzerRun run = Analyze(b.Build());
  const Finding* f = run.Get("ZIP-CRC-MISMATCH");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_EQ(run.children.size(), 1u);  // still scanned: PyTorch loads it
}

TEST(ZipAnalyzer, QueuesPrefixBytesAsTheirOwnMember) {
  ZipBuilder b;
  b.prefix = std::string("\x80\x02N.", 4);
  b.Stored("archive/data.pkl", "x");
  AnalyzerRun run = Analyze(b.Build());
  EXPECT_TRUE(run.Has("ZIP-PREFIX-BYTES"));
  bool prefix = false;
  for (const Blob& c : run.children) prefix |= c.member == "<prefix>" && c.bytes.size() == 4;
  EXPECT_TRUE(prefix);
}

TEST(ZipAnalyzer, ReportsUnreadableArchive) {
  std::vector<std::uint8_t> bytes(64, 0);
  AnalyzerRun run = Analyze(bytes);
  const Finding* f = run.Get("ZIP-UNREADABLE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);
}

TEST(ZipAnalyzer, ReportsCaseInsensitiveResolutionOfDataPkl) {
  ZipBuilder b;
  b.Stored("archive/version", "3\n");
  b.Stored("archive/Data.Pkl", "P");
  AnalyzerRun run = Analyze(b.Build());
  EXPECT_TRUE(run.Has("ZIP-CASE-INSENSITIVE-MATCH"));
  bool role = false;
  for (const Blob& c : run.children) role |= c.role == "torch-data-pkl";
  EXPECT_TRUE(role);
}

}  // namespace
}  // namespace modelgate
