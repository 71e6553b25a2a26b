// Tests for content routing: every decision is made from bytes, so files are
// read here and their names never reach DetectContentType.
#include "formats/routing/content_type.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace modelgate {
namespace {

std::vector<std::uint8_t> ReadFixture(const std::string& rel) {
  std::filesystem::path p = std::filesystem::path(MODELGATE_SOURCE_DIR) / "tests/fixtures" / rel;
  std::ifstream f(p, std::ios::binary);
  EXPECT_TRUE(f.good()) << p;
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(f), {});
}

ContentType Detect(const std::vector<std::uint8_t>& b) { return DetectContentType(ByteView(b.data(), b.size())); }

ContentType DetectFixture(const std::string& rel) { return Detect(ReadFixture(rel)); }

std::vector<std::uint8_t> Bytes(std::string_view s) { return std::vector<std::uint8_t>(s.begin(), s.end()); }

TEST(ContentType, RoutesRealModelFilesByTheirBytes) {
  struct Case {
    const char* file;
    ContentType want;
  };
  const Case cases[] = {
      {"benign/torch_state_dict.pt", ContentType::kZip},
      {"benign/torchscript_trace.pt", ContentType::kZip},
      {"benign/pytorch_model.bin", ContentType::kZip},
      {"benign/checkpoint_noext", ContentType::kZip},
      {"benign/numpy_savez.npz", ContentType::kZip},
      {"benign/numpy_float32.npy", ContentType::kNpy},
      {"benign/numpy_object_array.npy", ContentType::kNpy},
      {"benign/torch_state_dict_legacy.pt", ContentType::kPickle},
      {"benign/sklearn_logreg_p2.pkl", ContentType::kPickle},
      {"benign/python_stdlib_types_p0.pkl", ContentType::kPickle},
      {"benign/python_stdlib_types_p1.pkl", ContentType::kPickle},
      {"benign/sklearn_logreg.joblib", ContentType::kPickle},
      {"benign/sklearn_logreg_zlib.joblib", ContentType::kZlib},
      {"benign/sklearn_logreg_gzip.joblib", ContentType::kGzip},
      {"benign/sklearn_logreg_bz2.joblib", ContentType::kBzip2},
      {"benign/sklearn_logreg_xz.joblib", ContentType::kXz},
      {"benign/sklearn_logreg_lzma.joblib", ContentType::kLzmaAlone},
      {"benign/python_stdlib_types_p4.pkl.gz", ContentType::kGzip},
      {"benign/python_stdlib_types_p4.pkl.bz2", ContentType::kBzip2},
      {"benign/python_stdlib_types_p4.pkl.xz", ContentType::kXz},
      {"benign/torch_state_dict_in.tar", ContentType::kTar},
      {"archive/ustar.tar", ContentType::kTar},
      {"archive/gnu.tar", ContentType::kTar},
      {"archive/hello.zst", ContentType::kZstd},
      {"attack/pickle_named.txt", ContentType::kPickle},
      {"attack/raw_pickle_named_pytorch_model.bin", ContentType::kPickle},
      {"attack/pytorch_model_zip_named.bin", ContentType::kZip},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DetectFixture(c.file), c.want)
        << c.file << ": got " << ContentTypeName(DetectFixture(c.file)) << ", want " << ContentTypeName(c.want);
  }
}

TEST(ContentType, ZipWithJunkPrependedIsStillZip) {
  std::vector<std::uint8_t> zip = ReadFixture("benign/torch_state_dict.pt");
  ASSERT_GT(zip.size(), 100u);
  std::vector<std::uint8_t> b = Bytes("this is not a pickle, just junk in front of an archive\n");
  b.push_back(0);  // binary junk, so it is not text
  b.insert(b.end(), zip.begin(), zip.end());
  EXPECT_EQ(Detect(b), ContentType::kZip);
  EXPECT_TRUE(HasZipEndRecord(ByteView(b.data(), b.size())));
}

TEST(ContentType, PickleContentWinsWhateverTheNameSays) {
  // Same bytes as a .pkl, held in memory with no name at all.
  std::vector<std::uint8_t> b = Bytes("cos\nsystem\n(S'true'\ntR.");
  EXPECT_EQ(Detect(b), ContentType::kPickle);
  std::vector<std::uint8_t> p4 = {0x80, 0x04, 0x95, 0x03, 0, 0, 0, 0, 0, 0, 0, 0x7d, 0x94, 0x2e};
  EXPECT_EQ(Detect(p4), ContentType::kPickle);
}

TEST(ContentType, EmptyAndText) {
  EXPECT_EQ(Detect({}), ContentType::kEmpty);
  EXPECT_EQ(Detect(Bytes("hello world\nthis is a README\n")), ContentType::kText);
  EXPECT_EQ(Detect(Bytes("{\"architectures\": [\"BertModel\"], \"hidden_size\": 768}\n")), ContentType::kText);
}

TEST(ContentType, HasZipEndRecord) {
  std::vector<std::uint8_t> zip = ReadFixture("benign/numpy_savez.npz");
  EXPECT_TRUE(HasZipEndRecord(ByteView(zip.data(), zip.size())));
  // Cut before the end record: gone.
  std::size_t cut = zip.size() - 22;
  EXPECT_FALSE(HasZipEndRecord(ByteView(zip.data(), cut)));
  // A pickle has none; nor do tiny inputs.
  std::vector<std::uint8_t> pkl = ReadFixture("benign/sklearn_logreg_p4.pkl");
  EXPECT_FALSE(HasZipEndRecord(ByteView(pkl.data(), pkl.size())));
  std::vector<std::uint8_t> tiny = Bytes("PK\x05\x06");
  EXPECT_FALSE(HasZipEndRecord(ByteView(tiny.data(), tiny.size())));
  // An empty ZIP is exactly one end record.
  std::vector<std::uint8_t> empty(22, 0);
  empty[0] = 'P';
  empty[1] = 'K';
  empty[2] = 5;
  empty[3] = 6;
  EXPECT_TRUE(HasZipEndRecord(ByteView(empty.data(), empty.size())));
  EXPECT_EQ(Detect(empty), ContentType::kZip);
  // An end record followed by more than 64 KiB of comment-sized junk is out
  // of reach of readers that search only the last 64 KiB + 22 bytes.
  std::vector<std::uint8_t> far = empty;
  far.resize(22 + 70000, 'x');
  EXPECT_FALSE(HasZipEndRecord(ByteView(far.data(), far.size())));
}

TEST(ContentType, NamesAreStable) {
  EXPECT_EQ(ContentTypeName(ContentType::kPickle), "pickle");
  EXPECT_EQ(ContentTypeName(ContentType::kZip), "zip");
  EXPECT_EQ(ContentTypeName(ContentType::kEmpty), "empty");
}

}  // namespace
}  // namespace modelgate
