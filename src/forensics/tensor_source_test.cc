#include "forensics/tensor_source.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "forensics/tensor_expectations_test_util.h"

namespace modelgate::forensics {
namespace {

using testing::Expected;
using testing::ExpectMatchesNumpy;
using testing::MustOpen;
using testing::Problems;

ByteView Bytes(const std::vector<std::uint8_t>& v) { return ByteView(v.data(), v.size()); }

TEST(DecodeToF32, HalfFloatsByIeeeBitPatterns) {
  // binary16 patterns with values fixed by IEEE 754.
  const std::vector<std::uint8_t> le = {0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0xff, 0x7b, 0x00, 0x7c, 0x00, 0x02};
  float out[6];
  ASSERT_TRUE(DecodeToF32(DType::kF16, false, Bytes(le), 0, 6, out).ok());
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.0f);
  EXPECT_EQ(out[2], std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(out[3], 65504.0f);               // largest finite
  EXPECT_TRUE(std::isinf(out[4]));
  EXPECT_EQ(out[5], std::ldexp(1.0f, -15));  // subnormal 0x0200
  const std::vector<std::uint8_t> be = {0x3c, 0x00, 0xc0, 0x00};
  ASSERT_TRUE(DecodeToF32(DType::kF16, true, Bytes(be), 0, 2, out).ok());
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.0f);
}

TEST(DecodeToF32, Q4_0LowNibblesThenHighNibbles) {
  // d = 0.5 (f16 0x3800); qs[j] = j | (15 - j) << 4.
  std::vector<std::uint8_t> blk = {0x00, 0x38};
  for (int j = 0; j < 16; ++j) blk.push_back(static_cast<std::uint8_t>(j | ((15 - j) << 4)));
  float out[32];
  ASSERT_TRUE(DecodeToF32(DType::kQ4_0, false, Bytes(blk), 0, 32, out).ok());
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], 0.5f * static_cast<float>(j - 8)) << j;
    EXPECT_EQ(out[j + 16], 0.5f * static_cast<float>(15 - j - 8)) << j;
  }
  float mid[3];  // a range that starts inside the block
  ASSERT_TRUE(DecodeToF32(DType::kQ4_0, false, Bytes(blk), 15, 3, mid).ok());
  EXPECT_EQ(mid[0], out[15]);
  EXPECT_EQ(mid[2], out[17]);
}

TEST(DecodeToF32, Q8_0SignedQuants) {
  std::vector<std::uint8_t> blk = {0x00, 0x40};  // d = 2
  for (int j = 0; j < 32; ++j) blk.push_back(static_cast<std::uint8_t>(static_cast<std::int8_t>(j - 16)));
  float out[32];
  ASSERT_TRUE(DecodeToF32(DType::kQ8_0, false, Bytes(blk), 0, 32, out).ok());
  for (int j = 0; j < 32; ++j) EXPECT_EQ(out[j], 2.0f * static_cast<float>(j - 16));
}

TEST(DecodeToF32, RefusesRangesBeyondTheBytesWithoutReading) {
  const std::vector<std::uint8_t> blk(34, 0);
  float out[40];
  EXPECT_FALSE(DecodeToF32(DType::kQ8_0, false, Bytes(blk), 0, 33, out).ok());
  // A range ending near 2^64 used to wrap the block count to 0 and read past
  // the buffer.
  const std::uint64_t big = std::numeric_limits<std::uint64_t>::max() - 8;
  EXPECT_FALSE(DecodeToF32(DType::kQ8_0, false, Bytes(blk), big, 8, out).ok());
  EXPECT_FALSE(DecodeToF32(DType::kQ4_0, false, Bytes(blk), big, 8, out).ok());
  EXPECT_FALSE(DecodeToF32(DType::kQ8_0, false, Bytes(blk), 5, std::numeric_limits<std::uint64_t>::max(), out).ok());
  EXPECT_FALSE(DecodeToF32(DType::kF32, false, Bytes(blk), big, 8, out).ok());
  EXPECT_FALSE(DecodeToF32(DType::kF32, false, Bytes(blk), 0, 9, out).ok());
}

TEST(DecodeToF32, RefusesBigEndianBlocks) {
  const std::vector<std::uint8_t> blk(34, 0);
  float out[32];
  EXPECT_EQ(DecodeToF32(DType::kQ8_0, true, Bytes(blk), 0, 32, out).code(), StatusCode::kNotSupported);
}

TEST(TensorSource, ReadF32ChecksTheRange) {
  TensorSource s;
  const std::vector<std::uint8_t> bytes = {1, 2, 3, 4};
  ByteView b = s.Adopt(std::vector<std::uint8_t>(bytes));
  TensorInfo t;
  t.name = "x";
  t.dtype = DType::kU8;
  t.shape = {4};
  t.elements = 4;
  t.encoded = b;
  s.Add(t);
  float out[4];
  ASSERT_TRUE(s.ReadF32(0, 1, 3, out).ok());
  EXPECT_EQ(out[2], 4.0f);
  EXPECT_EQ(s.ReadF32(0, 2, 3, out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ReadF32(1, 0, 1, out).code(), StatusCode::kInvalidArgument);
  t.name = "y";
  t.encoded = ByteView();
  s.Add(t);
  EXPECT_EQ(s.ReadF32(1, 0, 1, out).code(), StatusCode::kNotSupported);
}

// Every file numpy described decodes to numpy's values; the well-formed
// files carry no problems and exactly the tensors numpy wrote.
TEST(OpenTensors, EveryFormatMatchesNumpy) {
  const std::set<std::string> with_problems = {"safetensors/f8_unsupported.safetensors", "gguf/big_endian.gguf",
                                               "gguf/q4_k_unsupported.gguf"};
  int files = 0;
  for (auto it = Expected().begin(); it != Expected().end(); ++it) {
    SCOPED_TRACE(it.key());
    std::unique_ptr<TensorSource> s = MustOpen(it.key());
    ExpectMatchesNumpy(*s, it.key());
    if (with_problems.count(it.key()) == 0) {
      EXPECT_TRUE(s->problems().empty()) << Problems(*s);
      EXPECT_EQ(s->tensors().size(), it.value().size());
    }
    ++files;
  }
  EXPECT_GE(files, 17);
}

}  // namespace
}  // namespace modelgate::forensics
