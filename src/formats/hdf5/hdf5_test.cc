// Tests for the HDF5 reader: files written by h5py/libhdf5 (the Keras
// fixtures) and hand-built corrupt bytes.
#include "formats/hdf5/hdf5.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "formats/routing/content_type.h"

namespace modelgate {
namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> ReadFixture(const std::string& rel) {
  fs::path p = fs::path(MODELGATE_SOURCE_DIR) / "tests/fixtures/formats/keras" / rel;
  std::ifstream in(p, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

const Hdf5Object* Find(const Hdf5File& f, const std::string& path) {
  for (const Hdf5Object& o : f.objects) {
    if (o.path == path) return &o;
  }
  return nullptr;
}

void ExpectKeras2Layout(const Hdf5File& f) {
  const Hdf5Object* root = f.Root();
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->kind, Hdf5ObjectKind::kGroup);
  const Hdf5Attribute* cfg = root->FindAttribute("model_config");
  ASSERT_NE(cfg, nullptr);
  ASSERT_EQ(cfg->strings.size(), 1u);
  EXPECT_EQ(cfg->strings[0].rfind("{\"class_name\": \"Sequential\"", 0), 0u) << cfg->strings[0].substr(0, 60);
  const Hdf5Attribute* ver = root->FindAttribute("keras_version");
  ASSERT_NE(ver, nullptr);
  EXPECT_TRUE(ver->type.vlen_string);
  ASSERT_EQ(ver->strings.size(), 1u);
  EXPECT_EQ(ver->strings[0], "2.13.1");
  const Hdf5Object* mw = Find(f, "/model_weights");
  ASSERT_NE(mw, nullptr);
  const Hdf5Attribute* names = mw->FindAttribute("layer_names");
  ASSERT_NE(names, nullptr);
  // h5py 3 writes a list of bytes as variable-length strings.
  EXPECT_TRUE(names->type.type_class == Hdf5TypeClass::kString || names->type.vlen_string);
  ASSERT_EQ(names->strings.size(), 3u);
  EXPECT_EQ(names->strings[1], "dense");
  const Hdf5Object* kernel = Find(f, "/model_weights/dense/dense/kernel:0");
  ASSERT_NE(kernel, nullptr);
  ASSERT_TRUE(kernel->dataset.has_value());
  EXPECT_EQ(kernel->dataset->type.Describe(), "float32");
  EXPECT_EQ(kernel->dataset->shape, (std::vector<std::uint64_t>{8, 16}));
  EXPECT_EQ(kernel->dataset->layout, Hdf5Layout::kContiguous);
  EXPECT_TRUE(kernel->dataset->in_bounds);
  EXPECT_EQ(kernel->dataset->data_size, 8u * 16u * 4u);
  const Hdf5Object* dense = Find(f, "/model_weights/dense");
  ASSERT_NE(dense, nullptr);
  const Hdf5Attribute* wn = dense->FindAttribute("weight_names");
  ASSERT_NE(wn, nullptr);
  EXPECT_EQ(wn->strings, (std::vector<std::string>{"dense/kernel:0", "dense/bias:0"}));
}

TEST(Hdf5Reader, ReadsH5pyDefaultFile) {
  auto bytes = ReadFixture("benign/k2_sequential_mlp.h5");
  ASSERT_FALSE(bytes.empty());
  Result<Hdf5File> r = ReadHdf5(bytes, Limits());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->superblock_version, 0);
  EXPECT_EQ(r->Root()->header_version, 1);
  EXPECT_TRUE(r->anomalies.empty()) << r->anomalies[0].detail;
  ExpectKeras2Layout(r.value());
}

TEST(Hdf5Reader, ReadsLibverLatestFile) {
  auto bytes = ReadFixture("benign/k2_mlp_no_training_latest.hdf5");
  Result<Hdf5File> r = ReadHdf5(bytes, Limits());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->superblock_version, 3);
  EXPECT_EQ(r->Root()->header_version, 2);
  EXPECT_TRUE(r->anomalies.empty()) << r->anomalies[0].detail;
  ExpectKeras2Layout(r.value());
}

TEST(Hdf5Reader, ReadsFileAfterUserBlock) {
  auto bytes = ReadFixture("benign/k2_functional_nested_userblock.h5");
  ASSERT_EQ(FindHdf5Signature(bytes), std::optional<std::uint64_t>(512));
  Result<Hdf5File> r = ReadHdf5(bytes, Limits());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->superblock_offset, 512u);
  EXPECT_TRUE(r->anomalies.empty()) << r->anomalies[0].detail;
  EXPECT_NE(Find(r.value(), "/model_weights/bidirectional"), nullptr);
}

TEST(Hdf5Reader, FindsOpaqueDatasetAndCycle) {
  Result<Hdf5File> r = ReadHdf5(ReadFixture("attack/h5_opaque_pickle.h5"), Limits());
  ASSERT_TRUE(r.ok());
  const Hdf5Object* p = Find(r.value(), "/payload");
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->dataset.has_value());
  EXPECT_EQ(p->dataset->type.type_class, Hdf5TypeClass::kOpaque);

  Result<Hdf5File> c = ReadHdf5(ReadFixture("attack/resource_hdf5_cycle.h5"), Limits());
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->Has(Hdf5AnomalyKind::kCycle));
}

TEST(Hdf5Reader, DeepNestingHitsTheDepthLimit) {
  Limits limits;
  limits.max_hdf5_depth = 10;
  Result<Hdf5File> r = ReadHdf5(ReadFixture("attack/resource_hdf5_deep.h5"), limits);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->Has(Hdf5AnomalyKind::kLimit));
}

TEST(Hdf5Reader, EveryPrefixOfARealFileIsHandled) {
  for (const char* name : {"benign/k2_sequential_mlp.h5", "benign/k2_cnn_latest.h5"}) {
    auto bytes = ReadFixture(name);
    ASSERT_FALSE(bytes.empty());
    for (std::size_t n = 0; n < bytes.size(); n += 97) {
      Result<Hdf5File> r = ReadHdf5(ByteView(bytes.data(), n), Limits());
      if (r.ok()) {
        EXPECT_FALSE(r->anomalies.empty()) << name << " cut at " << n;
      }
    }
  }
}

TEST(Hdf5Reader, RejectsBytesWithoutSignatureOrWithUnknownVersion) {
  std::vector<std::uint8_t> none(4096, 0);
  EXPECT_FALSE(ReadHdf5(none, Limits()).ok());
  std::vector<std::uint8_t> v9(kHdf5Signature, kHdf5Signature + 8);
  v9.push_back(9);
  v9.resize(64, 0);
  Result<Hdf5File> r = ReadHdf5(v9, Limits());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("version 9"), std::string::npos);
}

// Superblock v2 (48 bytes) + a v2 object header at 48 whose one link
// message ("me") points back at the header itself.
std::vector<std::uint8_t> SelfLinkedFile(bool eof_ok) {
  std::vector<std::uint8_t> b(kHdf5Signature, kHdf5Signature + 8);
  auto u64 = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  b.insert(b.end(), {2, 8, 8, 0});
  u64(0);            // base
  u64(~0ull);        // extension
  u64(eof_ok ? 0 : 1 << 20);  // eof (patched below)
  u64(48);           // root object header
  b.insert(b.end(), {0, 0, 0, 0});  // checksum (not verified)
  // OHDR v2, flags 0 (1-byte chunk size).
  std::vector<std::uint8_t> link = {1, 0, 2, 'm', 'e'};
  for (int i = 0; i < 8; ++i) link.push_back(i == 0 ? 48 : 0);
  b.insert(b.end(), {'O', 'H', 'D', 'R', 2, 0});
  b.push_back(static_cast<std::uint8_t>(4 + link.size()));
  b.insert(b.end(), {6, static_cast<std::uint8_t>(link.size()), 0, 0});
  b.insert(b.end(), link.begin(), link.end());
  b.insert(b.end(), {0, 0, 0, 0});  // checksum
  if (eof_ok) {
    for (int i = 0; i < 8; ++i) b[28 + i] = static_cast<std::uint8_t>(b.size() >> (8 * i));
  }
  return b;
}

TEST(Hdf5Reader, HandBuiltSelfLinkIsACycle) {
  Result<Hdf5File> r = ReadHdf5(SelfLinkedFile(true), Limits());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->objects.size(), 1u);
  EXPECT_EQ(r->Root()->links.size(), 1u);
  EXPECT_TRUE(r->Has(Hdf5AnomalyKind::kCycle));
  EXPECT_FALSE(r->Has(Hdf5AnomalyKind::kTruncated));
}

TEST(Hdf5Reader, EofBeyondTheInputIsTruncation) {
  Result<Hdf5File> r = ReadHdf5(SelfLinkedFile(false), Limits());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->Has(Hdf5AnomalyKind::kTruncated));
}

TEST(Hdf5Reader, RootOutsideTheFileIsReported) {
  auto b = SelfLinkedFile(true);
  b[36] = 0xff;  // root address low byte -> far outside
  b[37] = 0xff;
  Result<Hdf5File> r = ReadHdf5(b, Limits());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->objects.empty());
  EXPECT_TRUE(r->Has(Hdf5AnomalyKind::kTruncated));
}

TEST(Hdf5Reader, MessageLimitStopsTheWalk) {
  Limits limits;
  limits.max_hdf5_messages = 3;
  Result<Hdf5File> r = ReadHdf5(ReadFixture("benign/k2_sequential_mlp.h5"), limits);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->Has(Hdf5AnomalyKind::kLimit));
}

TEST(Hdf5Routing, SignatureAfterAUserBlockRoutesToHdf5) {
  for (std::size_t at : {512u, 1024u, 4096u}) {
    std::vector<std::uint8_t> b(at + 64, 0x41);  // text-like user block
    std::copy(kHdf5Signature, kHdf5Signature + 8, b.begin() + static_cast<std::ptrdiff_t>(at));
    EXPECT_EQ(DetectContentType(b, Probe::kFile), ContentType::kHdf5) << at;
    EXPECT_EQ(FindHdf5Signature(b), std::optional<std::uint64_t>(at));
    // Members are routed by magic at offset 0 only (see content_type.cc).
    EXPECT_NE(DetectContentType(b, Probe::kMember), ContentType::kHdf5) << at;
  }
  std::vector<std::uint8_t> off(600, 0x41);  // not at a power of two: not HDF5
  std::copy(kHdf5Signature, kHdf5Signature + 8, off.begin() + 520);
  EXPECT_NE(DetectContentType(off, Probe::kFile), ContentType::kHdf5);
  EXPECT_FALSE(FindHdf5Signature(off).has_value());
}

}  // namespace
}  // namespace modelgate
