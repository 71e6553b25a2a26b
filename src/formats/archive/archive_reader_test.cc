// Tests for the archive layer. Fixtures in tests/fixtures/archive were
// written by Python's gzip/bz2/lzma/zlib/tarfile modules and zstd(1); 7z
// archives are written here with libarchive's own 7z writer (no 7z tool is
// needed), and the gzip bomb is deflated on the fly.
#include "formats/archive/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace modelgate {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes ReadFixture(const std::string& name) {
  std::ifstream in(std::string(MODELGATE_SOURCE_DIR) + "/tests/fixtures/archive/" + name, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

std::string Payload() {
  std::string s;
  for (int i = 0; i < 40; ++i) s += "modelgate archive fixture\n";
  return s;
}

std::string AsString(const Bytes& b) { return std::string(b.begin(), b.end()); }

// gzip of `n` zero bytes, deflated in 1 MiB steps.
Bytes GzipZeros(std::uint64_t n) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<std::uint8_t> zeros(1 << 20), out, buf(1 << 16);
  for (std::uint64_t done = 0; done < n;) {
    std::size_t step = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), n - done));
    done += step;
    zs.next_in = zeros.data();
    zs.avail_in = static_cast<uInt>(step);
    int flush = done == n ? Z_FINISH : Z_NO_FLUSH;
    do {
      zs.next_out = buf.data();
      zs.avail_out = static_cast<uInt>(buf.size());
      deflate(&zs, flush);
      out.insert(out.end(), buf.data(), buf.data() + (buf.size() - zs.avail_out));
    } while (zs.avail_out == 0);
  }
  deflateEnd(&zs);
  return out;
}

struct SevenZipEntry {
  std::string name;
  std::string data;
  bool symlink = false;
};

// Writes a 7z archive in memory with libarchive.
Bytes Write7z(const std::vector<SevenZipEntry>& entries) {
  std::vector<char> buf(64 << 20);
  std::size_t used = 0;
  struct archive* a = archive_write_new();
  archive_write_set_format_7zip(a);
  EXPECT_EQ(archive_write_open_memory(a, buf.data(), buf.size(), &used), ARCHIVE_OK);
  for (const SevenZipEntry& e : entries) {
    struct archive_entry* ent = archive_entry_new();
    archive_entry_set_pathname(ent, e.name.c_str());
    if (e.symlink) {
      archive_entry_set_filetype(ent, AE_IFLNK);
      archive_entry_set_symlink(ent, e.data.c_str());
      archive_entry_set_size(ent, 0);
    } else {
      archive_entry_set_filetype(ent, AE_IFREG);
      archive_entry_set_size(ent, static_cast<la_int64_t>(e.data.size()));
    }
    archive_entry_set_perm(ent, 0644);
    archive_write_header(a, ent);
    if (!e.symlink && !e.data.empty()) archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(ent);
  }
  archive_write_close(a);
  archive_write_free(a);
  return Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
}

TEST(Decompress, DecodesEachCodecFromRealTools) {
  struct Case { const char* file; Codec codec; } cases[] = {
      {"hello.gz", Codec::kGzip},  {"hello.zlib", Codec::kZlib},      {"hello.bz2", Codec::kBzip2},
      {"hello.xz", Codec::kXz},    {"hello.lzma", Codec::kLzmaAlone}, {"hello.zst", Codec::kZstd},
  };
  for (const Case& c : cases) {
    Bytes in = ReadFixture(c.file);
    ASSERT_FALSE(in.empty()) << c.file;
    Result<Bytes> out = Decompress(in, c.codec, 1 << 20);
    ASSERT_TRUE(out.ok()) << c.file << ": " << out.status().ToString();
    EXPECT_EQ(AsString(out.value()), Payload()) << c.file;
  }
}

TEST(Decompress, BoundsLzmaAloneDictionaryDeclaredInHeader) {
  // Fuzzer regression: a 4 GiB dictionary in the header made liblzma
  // allocate 4 GiB before producing a byte. The reader clamps it to the
  // output cap, which decodes the same bytes.
  Bytes in = ReadFixture("hello.lzma");
  ASSERT_GE(in.size(), 13u);
  for (int i = 1; i <= 4; ++i) in[i] = 0xFF;
  Result<Bytes> out = Decompress(in, Codec::kLzmaAlone, 1 << 20);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(AsString(out.value()), Payload());
}

TEST(Decompress, ReadsEveryGzipMember) {
  Result<DecompressedStream> r = DecompressStream(ReadFixture("hello_two_members.gz"), Codec::kGzip, 1 << 20);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->members, 2u);
  EXPECT_EQ(AsString(r->bytes), "first member\nsecond member\n");
  EXPECT_EQ(r->trailing_bytes, 0u);
}

TEST(Decompress, StopsGzipBombAtMaxOut) {
  Bytes bomb = GzipZeros(100u << 20);
  ASSERT_LT(bomb.size(), 200u * 1024);
  Result<Bytes> strict = Decompress(bomb, Codec::kGzip, 1 << 20);
  EXPECT_EQ(strict.status().code(), StatusCode::kLimitExceeded);
  Result<DecompressedStream> r = DecompressStream(bomb, Codec::kGzip, 1 << 20);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->limit_hit);
  EXPECT_EQ(r->bytes.size(), 1u << 20);
}

TEST(Decompress, ReportsTruncatedStreamsWithTheirPrefix) {
  Result<DecompressedStream> gz = DecompressStream(ReadFixture("truncated.gz"), Codec::kGzip, 1 << 20);
  ASSERT_TRUE(gz.ok());
  EXPECT_TRUE(gz->truncated);
  EXPECT_EQ(Decompress(ReadFixture("truncated.gz"), Codec::kGzip, 1 << 20).status().code(),
            StatusCode::kCorruption);
  // libarchive decodes small streams while bidding, so a short truncated xz
  // fails before any output: kCorruption rather than a partial result.
  Result<DecompressedStream> xz = DecompressStream(ReadFixture("truncated.xz"), Codec::kXz, 1 << 20);
  EXPECT_TRUE(!xz.ok() || xz->truncated || xz->corrupt);
  EXPECT_FALSE(Decompress(ReadFixture("truncated.xz"), Codec::kXz, 1 << 20).ok());
}

TEST(Decompress, ReportsBytesAfterGzipStream) {
  Bytes in = ReadFixture("trailing_garbage.gz");
  Result<DecompressedStream> r = DecompressStream(in, Codec::kGzip, 1 << 20);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(AsString(r->bytes), Payload());
  EXPECT_EQ(r->trailing_bytes, 8u);
  EXPECT_EQ(r->trailing_offset, in.size() - 8);
  EXPECT_EQ(Decompress(in, Codec::kGzip, 1 << 20).status().code(), StatusCode::kCorruption);
}

TEST(Decompress, UndoesExactlyOneLayer) {
  Result<Bytes> once = Decompress(ReadFixture("double.xz"), Codec::kXz, 1 << 20);
  ASSERT_TRUE(once.ok()) << once.status().ToString();
  EXPECT_EQ(once.value(), ReadFixture("hello.xz"));
}

TEST(Decompress, RejectsInputOfAnotherCodec) {
  Bytes gz = ReadFixture("hello.gz");
  EXPECT_EQ(Decompress(gz, Codec::kXz, 1 << 20).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(Decompress(gz, Codec::kBzip2, 1 << 20).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(Decompress(gz, Codec::kZlib, 1 << 20).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(Decompress(ByteView(), Codec::kGzip, 1 << 20).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(Decompress(ByteView(), Codec::kZstd, 1 << 20).status().code(), StatusCode::kCorruption);
}

TEST(ArchiveReader, ListsUstarGnuAndPaxTars) {
  for (const char* file : {"ustar.tar", "gnu.tar", "pax.tar"}) {
    Result<ArchiveListing> r = ReadArchiveMembers(ReadFixture(file), Limits::Default(), 1 << 20);
    ASSERT_TRUE(r.ok()) << file << ": " << r.status().ToString();
    const ArchiveListing& l = r.value();
    EXPECT_EQ(l.kind, ArchiveKind::kTar);
    EXPECT_TRUE(l.complete) << file;
    EXPECT_TRUE(l.anomalies.empty()) << file << ": " << l.anomalies[0].detail;
    ASSERT_GE(l.members.size(), 3u);
    EXPECT_EQ(l.members[0].type, MemberType::kDirectory);
    EXPECT_EQ(l.members[1].name, "dir/a.txt");
    ASSERT_TRUE(l.members[1].data);
    EXPECT_EQ(AsString(*l.members[1].data), "alpha\n");
    EXPECT_EQ(l.members[2].data->size(), 256u);
    if (std::string(file) != "ustar.tar") {
      EXPECT_EQ(l.members[3].name, "long/" + std::string(150, 'x') + ".txt");
    }
  }
}

TEST(ArchiveReader, ReportsHostilePathsLinksDevicesAndDuplicates) {
  Result<ArchiveListing> r = ReadArchiveMembers(ReadFixture("hostile.tar"), Limits::Default(), 1 << 20);
  ASSERT_TRUE(r.ok());
  const ArchiveListing& l = r.value();
  EXPECT_TRUE(l.Has(ArchiveAnomalyKind::kAbsolutePath));
  EXPECT_TRUE(l.Has(ArchiveAnomalyKind::kParentTraversal));
  EXPECT_TRUE(l.Has(ArchiveAnomalyKind::kSymlink));
  EXPECT_TRUE(l.Has(ArchiveAnomalyKind::kHardlink));
  EXPECT_TRUE(l.Has(ArchiveAnomalyKind::kLinkEscapes));
  EXPECT_TRUE(l.Has(ArchiveAnomalyKind::kSpecialFile));
  EXPECT_TRUE(l.Has(ArchiveAnomalyKind::kDuplicateName));
  ASSERT_EQ(l.members.size(), 7u);
  EXPECT_EQ(l.members[2].type, MemberType::kSymlink);
  EXPECT_EQ(l.members[2].link_target, "/etc/passwd");
  EXPECT_EQ(l.members[3].type, MemberType::kHardlink);
  EXPECT_EQ(l.members[4].type, MemberType::kCharDevice);
  // Both copies of the duplicate are kept for scanning.
  EXPECT_EQ(AsString(*l.members[5].data), "first\n");
  EXPECT_EQ(AsString(*l.members[6].data), "second\n");
}

TEST(ArchiveReader, ReportsTruncatedTar) {
  Result<ArchiveListing> r = ReadArchiveMembers(ReadFixture("truncated.tar"), Limits::Default(), 1 << 20);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->complete);
  EXPECT_TRUE(r->Has(ArchiveAnomalyKind::kTruncated) || r->Has(ArchiveAnomalyKind::kCorrupt));
}

TEST(ArchiveReader, ReadsNoCompressionFilter) {
  // A .tar.gz is gunzipped by Decompress and routed again, never here.
  EXPECT_EQ(ReadArchiveMembers(ReadFixture("ustar.tar.gz"), Limits::Default(), 1 << 20).status().code(),
            StatusCode::kCorruption);
  EXPECT_FALSE(ReadArchiveMembers(ReadFixture("hello.gz"), Limits::Default(), 1 << 20).ok());
  EXPECT_FALSE(ReadArchiveMembers(ByteView(), Limits::Default(), 1 << 20).ok());
}

TEST(ArchiveReader, CapsMembersBudgetAndEntries) {
  Bytes tar = ReadFixture("ustar.tar");
  Limits small;
  small.max_member_bytes = 10;
  Result<ArchiveListing> capped = ReadArchiveMembers(tar, small, 1 << 20);
  ASSERT_TRUE(capped.ok());
  EXPECT_TRUE(capped->Has(ArchiveAnomalyKind::kMemberTooLarge));
  EXPECT_EQ(capped->members[2].data->size(), 10u);
  EXPECT_TRUE(capped->members[2].data_capped);
  Result<ArchiveListing> budget = ReadArchiveMembers(tar, Limits::Default(), 8);
  ASSERT_TRUE(budget.ok());
  EXPECT_TRUE(budget->Has(ArchiveAnomalyKind::kBudgetExhausted));
  EXPECT_LE(budget->data_bytes, 8u);
  Limits few;
  few.max_archive_entries = 1;
  Result<ArchiveListing> entries = ReadArchiveMembers(tar, few, 1 << 20);
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(entries->Has(ArchiveAnomalyKind::kEntryLimit));
  EXPECT_EQ(entries->members.size(), 1u);
}

TEST(ArchiveReader, ListsLegacyTorchTarMembers) {
  Result<ArchiveListing> r = ReadArchiveMembers(ReadFixture("torch_legacy.tar"), Limits::Default(), 1 << 20);
  ASSERT_TRUE(r.ok());
  std::vector<std::string> names;
  for (const ArchiveMember& m : r->members) names.push_back(m.name);
  EXPECT_EQ(names, (std::vector<std::string>{"sys_info", "pickle", "storages", "tensors"}));
  EXPECT_EQ(r->members[1].data->at(0), 0x80);  // a protocol-2 pickle
}

TEST(ArchiveReader, Reads7zWrittenByLibarchive) {
  Bytes sz = Write7z({{"weights.bin", std::string(1000, 'w')}, {"model.pkl", "\x80\x02K\x01."},
                      {"link", "/etc/passwd", true}});
  Result<ArchiveListing> r = ReadArchiveMembers(sz, Limits::Default(), 1 << 20);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, ArchiveKind::kSevenZip);
  ASSERT_EQ(r->members.size(), 3u);
  EXPECT_EQ(r->members[0].name, "weights.bin");
  EXPECT_EQ(r->members[0].data->size(), 1000u);
  EXPECT_EQ(AsString(*r->members[1].data), "\x80\x02K\x01.");
  EXPECT_EQ(r->members[2].type, MemberType::kSymlink);
  EXPECT_TRUE(r->Has(ArchiveAnomalyKind::kLinkEscapes));
}

TEST(ArchiveReader, Stops7zBombAtBudget) {
  Bytes sz = Write7z({{"zeros", std::string(48u << 20, '\0')}, {"after", "x"}});
  ASSERT_LT(sz.size(), 1u << 20);
  Result<ArchiveListing> r = ReadArchiveMembers(sz, Limits::Default(), 1 << 20);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->Has(ArchiveAnomalyKind::kBudgetExhausted));
  EXPECT_LE(r->data_bytes, 1u << 20);
}

TEST(ArchiveReader, RejectsTruncated7z) {
  Bytes sz = Write7z({{"a.txt", "hello"}});
  sz.resize(sz.size() / 2);
  Result<ArchiveListing> r = ReadArchiveMembers(sz, Limits::Default(), 1 << 20);
  EXPECT_TRUE(!r.ok() || !r->complete);
}

}  // namespace
}  // namespace modelgate
