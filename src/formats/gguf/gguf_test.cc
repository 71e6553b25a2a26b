// Tests for ReadGguf: the fixture files written by scripts/fixtures/gguf.py
// (gguf-py's layout, versions 1 to 3, both byte orders) and hand-built files
// for every anomaly.
#include "formats/gguf/gguf.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "formats/gguf/ggml_types.h"

namespace modelgate {
namespace {

std::vector<std::uint8_t> Fixture(const std::string& name) {
  std::ifstream in(std::string(MODELGATE_SOURCE_DIR) + "/tests/fixtures/formats/gguf/" + name, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Little-endian GGUF v2/v3 builder.
struct Builder {
  std::vector<std::uint8_t> b;
  Builder& U32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  Builder& U64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  Builder& Str(const std::string& s) {
    U64(s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Builder& Header(std::uint64_t tensors, std::uint64_t kvs, std::uint32_t version = 3) {
    b = {'G', 'G', 'U', 'F'};
    U32(version).U64(tensors).U64(kvs);
    return *this;
  }
  Builder& KvU32(const std::string& k, std::uint32_t v) { return Str(k).U32(4).U32(v); }
  Builder& KvStr(const std::string& k, const std::string& v) { return Str(k).U32(8).Str(v); }
  Builder& Tensor(const std::string& name, std::vector<std::uint64_t> ne, std::uint32_t type, std::uint64_t off) {
    Str(name).U32(static_cast<std::uint32_t>(ne.size()));
    for (std::uint64_t d : ne) U64(d);
    return U32(type).U64(off);
  }
  Builder& PadTo(std::size_t align) {
    while (b.size() % align != 0) b.push_back(0);
    return *this;
  }
  Builder& Zeros(std::size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
};

GgufFile MustRead(const std::vector<std::uint8_t>& bytes, const Limits& limits = Limits::Default()) {
  Result<GgufFile> r = ReadGguf(bytes, limits);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : GgufFile{};
}

TEST(GgufReader, ReadsVersion3LlamaFixture) {
  std::vector<std::uint8_t> bytes = Fixture("benign/llama_v3_q8_q4.gguf");
  GgufFile f = MustRead(bytes);
  EXPECT_EQ(f.version, 3u);
  EXPECT_FALSE(f.big_endian);
  EXPECT_TRUE(f.header_complete);
  EXPECT_TRUE(f.anomalies.empty());
  EXPECT_EQ(f.StringValue("general.architecture"), "llama");
  ASSERT_EQ(f.tensors.size(), 5u);
  EXPECT_EQ(f.tensors[0].name, "token_embd.weight");
  EXPECT_EQ(f.tensors[0].dims[0], 32u);  // ne[0] = embedding (numpy shape reversed)
  EXPECT_EQ(f.tensors[0].nbytes, 32u * 32 * 2);
  EXPECT_EQ(f.tensors[2].type, kGgmlQ8_0);
  EXPECT_EQ(f.tensors[2].nbytes, 32u * 34);  // 32 rows of one Q8_0 block
  EXPECT_EQ(f.tensors[3].type, kGgmlQ4_0);
  EXPECT_EQ(f.tensors[3].nbytes, 32u * 18);
  EXPECT_EQ(f.data_offset % 32, 0u);
  EXPECT_EQ(f.data_end, bytes.size());
  const GgufKv* tokens = f.Find("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->strings.size(), 32u);
  EXPECT_EQ(tokens->strings[1], "<s>");
  const GgufKv* scores = f.Find("tokenizer.ggml.scores");
  ASSERT_NE(scores, nullptr);
  EXPECT_EQ(scores->raw.size(), 32u * 4);
  ByteView q8 = GgufTensorData(f, 2, bytes);
  EXPECT_EQ(q8.size(), 32u * 34);
  EXPECT_FALSE(f.StringValue("tokenizer.chat_template").empty());
}

TEST(GgufReader, ReadsVersion1And2AndBigEndian) {
  // GgufFile borrows the bytes: keep them alive.
  std::vector<std::uint8_t> b1 = Fixture("benign/llama_v1.gguf"), b2 = Fixture("benign/llama_v2.gguf"),
                            bbe = Fixture("benign/gemma_v3_big_endian.gguf");
  GgufFile v1 = MustRead(b1);
  EXPECT_EQ(v1.version, 1u);
  EXPECT_TRUE(v1.header_complete);
  EXPECT_TRUE(v1.Has(GgufAnomalyKind::kLegacyVersion));
  EXPECT_EQ(v1.tensors.size(), 5u);
  EXPECT_EQ(v1.StringValue("general.architecture"), "llama");
  GgufFile v2 = MustRead(b2);
  EXPECT_EQ(v2.version, 2u);
  EXPECT_TRUE(v2.header_complete);
  EXPECT_TRUE(v2.anomalies.empty());
  GgufFile be = MustRead(bbe);
  EXPECT_TRUE(be.big_endian);
  EXPECT_EQ(be.version, 3u);
  EXPECT_TRUE(be.anomalies.empty());
  EXPECT_EQ(be.StringValue("general.architecture"), "gemma");
  const GgufKv* ctx = be.Find("gemma.context_length");
  ASSERT_NE(ctx, nullptr);
  EXPECT_EQ(ctx->u64, 4096u);
  EXPECT_EQ(be.tensors[2].nbytes, 32u * 34);
}

TEST(GgufReader, HonoursGeneralAlignment) {
  std::vector<std::uint8_t> bytes = Fixture("benign/qwen2_v3_named_templates_align64.gguf");
  GgufFile f = MustRead(bytes);
  EXPECT_EQ(f.alignment, 64u);
  EXPECT_EQ(f.data_offset % 64, 0u);
  EXPECT_TRUE(f.anomalies.empty());
  EXPECT_FALSE(f.StringValue("tokenizer.chat_template.tool_use").empty());
}

TEST(GgufReader, GgmlTypeTable) {
  EXPECT_EQ(FindGgmlType(kGgmlQ4_K)->type_size, 144u);
  EXPECT_EQ(FindGgmlType(kGgmlQ6_K)->type_size, 210u);
  EXPECT_EQ(FindGgmlType(kGgmlQ8_K)->type_size, 292u);
  EXPECT_EQ(FindGgmlType(16)->name, "IQ2_XXS");
  EXPECT_EQ(FindGgmlType(29)->type_size, 56u);  // IQ1_M
  EXPECT_EQ(FindGgmlType(kGgmlBF16)->block_size, 1u);
  EXPECT_TRUE(FindGgmlType(4)->removed);
  EXPECT_EQ(FindGgmlType(40), nullptr);
}

TEST(GgufReader, FlagsDuplicateKeysAndTensors) {
  Builder b;
  b.Header(2, 2).KvU32("a", 1).KvU32("a", 2);
  b.Tensor("t", {4}, 0, 0).Tensor("t", {4}, 0, 32).PadTo(32).Zeros(48);
  GgufFile f = MustRead(b.b);
  EXPECT_TRUE(f.Has(GgufAnomalyKind::kDuplicateKey));
  EXPECT_TRUE(f.Has(GgufAnomalyKind::kDuplicateTensor));
  EXPECT_EQ(f.kvs.size(), 2u);
}

TEST(GgufReader, FlagsTensorLayoutProblems) {
  Builder b;
  b.Header(4, 0);
  b.Tensor("a", {8}, 0, 0);         // 32 bytes at 0
  b.Tensor("b", {8}, 0, 16);        // overlaps a, misaligned
  b.Tensor("c", {1 << 20}, 0, 64);  // past the end
  b.Tensor("d", {5}, 8, 96);        // Q8_0 row of 5 elements: not whole blocks
  b.PadTo(32).Zeros(96);
  GgufFile f = MustRead(b.b);
  EXPECT_TRUE(f.header_complete);
  EXPECT_TRUE(f.Has(GgufAnomalyKind::kTensorOverlap));
  EXPECT_TRUE(f.Has(GgufAnomalyKind::kTensorMisaligned));
  EXPECT_TRUE(f.Has(GgufAnomalyKind::kTensorOutOfRange));
  EXPECT_TRUE(f.Has(GgufAnomalyKind::kBadShape));
  EXPECT_FALSE(f.Has(GgufAnomalyKind::kTrailingData));  // extents unknown: not judged
}

TEST(GgufReader, FlagsDimsTypesAndNegativeShapes) {
  Builder b;
  b.Header(3, 0);
  b.Tensor("five", {1, 1, 1, 1, 1}, 0, 0);
  b.Tensor("neg", {~0ull}, 0, 0);
  b.Tensor("unknown", {4}, 99, 0);
  b.PadTo(32);
  GgufFile f = MustRead(b.b);
  EXPECT_TRUE(f.Has(GgufAnomalyKind::kTooManyDims));
  EXPECT_TRUE(f.Has(GgufAnomalyKind::kBadShape));
  EXPECT_TRUE(f.Has(GgufAnomalyKind::kUnknownTensorType));
}

TEST(GgufReader, TrailingBytesButNotZeroPadding) {
  Builder b;
  b.Header(1, 0).Tensor("a", {4}, 0, 0).PadTo(32).Zeros(16);  // 16 data bytes
  GgufFile padded = MustRead(b.b);
  EXPECT_FALSE(padded.Has(GgufAnomalyKind::kTrailingData));
  b.Zeros(16);  // now past the padded end too
  b.b.push_back('X');
  GgufFile trailing = MustRead(b.b);
  ASSERT_TRUE(trailing.Has(GgufAnomalyKind::kTrailingData));
  EXPECT_EQ(trailing.data_end, trailing.data_offset + 32);
}

TEST(GgufReader, BombsAreRefusedQuickly) {
  Builder huge_count;
  huge_count.Header(0, 1).Str("k").U32(9).U32(0).U64(1ull << 62);
  EXPECT_TRUE(MustRead(huge_count.b).Has(GgufAnomalyKind::kAbsurdCount));
  Builder strings;
  strings.Header(0, 1).Str("k").U32(9).U32(8).U64(1ull << 62).Str("a");
  EXPECT_TRUE(MustRead(strings.b).Has(GgufAnomalyKind::kAbsurdCount));
  Builder long_string;
  long_string.Header(0, 1).Str("k").U32(8).U64(1ull << 63);
  EXPECT_TRUE(MustRead(long_string.b).Has(GgufAnomalyKind::kAbsurdLength));
  Builder tensors;
  tensors.Header(1ull << 62, 0);
  EXPECT_TRUE(MustRead(tensors.b).Has(GgufAnomalyKind::kAbsurdCount));
  Builder deep;
  deep.Header(0, 1).Str("k").U32(9);
  for (int i = 0; i < 100000; ++i) deep.U32(9).U64(1);
  deep.U32(0).U64(0);
  auto start = std::chrono::steady_clock::now();
  GgufFile f = MustRead(deep.b);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_TRUE(f.Has(GgufAnomalyKind::kNestedArray));
  EXPECT_TRUE(f.Has(GgufAnomalyKind::kLimitExceeded));
}

TEST(GgufReader, ReadsShallowNestedArrays) {
  Builder b;
  b.Header(0, 1).Str("k").U32(9).U32(9).U64(2);
  b.U32(4).U64(2).U32(1).U32(2);  // [1, 2]
  b.U32(8).U64(1).Str("x");       // ["x"]
  b.PadTo(32);
  GgufFile f = MustRead(b.b);
  EXPECT_TRUE(f.header_complete);
  EXPECT_TRUE(f.Has(GgufAnomalyKind::kNestedArray));
  EXPECT_FALSE(f.Has(GgufAnomalyKind::kLimitExceeded));
  EXPECT_EQ(f.kvs[0].depth, 2u);
}

TEST(GgufReader, FlagsInvalidUtf8AndBadAlignment) {
  Builder b;
  b.Header(0, 3).KvStr("bad\xff", "x").KvStr("s", "\xc0\xaf").KvU32("general.alignment", 48);
  GgufFile f = MustRead(b.b);
  int utf8 = 0;
  for (const GgufAnomaly& a : f.anomalies) utf8 += a.kind == GgufAnomalyKind::kInvalidUtf8;
  EXPECT_EQ(utf8, 2);
  EXPECT_TRUE(f.Has(GgufAnomalyKind::kBadAlignment));
  EXPECT_EQ(f.alignment, 32u);
}

TEST(GgufReader, VersionsAndMagic) {
  Builder b;
  b.Header(0, 0, 7);
  EXPECT_TRUE(MustRead(b.b).Has(GgufAnomalyKind::kUnknownVersion));
  EXPECT_FALSE(ReadGguf(ByteView(), Limits::Default()).ok());
  std::vector<std::uint8_t> not_gguf = {'G', 'G', 'U', 'X', 3, 0, 0, 0};
  EXPECT_FALSE(ReadGguf(not_gguf, Limits::Default()).ok());
}

// Every prefix of a real file parses without crashing, and only the full
// file is complete.
TEST(GgufReader, EveryTruncationIsReported) {
  std::vector<std::uint8_t> bytes = Fixture("benign/llama_v3_q8_q4.gguf");
  ASSERT_FALSE(bytes.empty());
  GgufFile whole = MustRead(bytes);
  for (std::size_t n = 8; n < whole.info_end; n += 7) {
    std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
    GgufFile f = MustRead(cut);
    EXPECT_FALSE(f.header_complete) << n;
    EXPECT_FALSE(f.anomalies.empty()) << n;
  }
}

}  // namespace
}  // namespace modelgate
