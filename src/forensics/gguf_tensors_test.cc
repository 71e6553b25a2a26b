#include <gtest/gtest.h>

#include "forensics/tensor_expectations_test_util.h"
#include "forensics/tensor_source.h"

namespace modelgate::forensics {
namespace {

using testing::FormatsDir;
using testing::HasProblem;

const TensorInfo& Get(const TensorSource& s, const std::string& name) {
  static const TensorInfo kNone;
  const std::int64_t i = s.Find(name);
  EXPECT_GE(i, 0) << name;
  return i >= 0 ? s.tensors()[static_cast<std::size_t>(i)] : kNone;
}

TEST(GgufTensors, ShapeIsNeReversedAndQuantisedBytesAreWholeBlocks) {
  TensorSource s;
  ASSERT_TRUE(AddGgufFile(FormatsDir() + "gguf/sd_q4_0.gguf", Limits::Default(), &s).ok());
  const TensorInfo& t = Get(s, "embed.weight");
  EXPECT_EQ(t.shape, (std::vector<std::uint64_t>{64, 96}));
  EXPECT_EQ(t.dtype, DType::kQ4_0);
  EXPECT_EQ(t.stored_dtype, "Q4_0");
  EXPECT_EQ(t.encoded.size(), 64u * 96 / 32 * 18);
}

TEST(GgufTensors, BigEndianPlainTypesDecodeQuantisedAreRefused) {
  TensorSource s;
  ASSERT_TRUE(AddGgufFile(FormatsDir() + "gguf/big_endian.gguf", Limits::Default(), &s).ok());
  EXPECT_TRUE(Get(s, "layer.bias").big_endian);
  const TensorInfo& q = Get(s, "quant.weight");
  EXPECT_EQ(q.dtype, DType::kQ8_0);
  EXPECT_TRUE(q.encoded.empty());
  EXPECT_TRUE(HasProblem(s, "big-endian", "quant.weight"));
}

TEST(GgufTensors, OtherGgmlTypesAreListedUnsupported) {
  TensorSource s;
  ASSERT_TRUE(AddGgufFile(FormatsDir() + "gguf/q4_k_unsupported.gguf", Limits::Default(), &s).ok());
  const TensorInfo& k = Get(s, "k.weight");
  EXPECT_EQ(k.dtype, DType::kUnsupported);
  EXPECT_EQ(k.stored_dtype, "Q4_K");
  EXPECT_TRUE(k.encoded.empty());
  EXPECT_TRUE(HasProblem(s, "Q4_K", "k.weight"));
}

TEST(GgufTensors, TruncatedFileIsAProblem) {
  TensorSource s;
  (void)AddGgufFile(FormatsDir() + "gguf/truncated.gguf", Limits::Default(), &s);
  EXPECT_FALSE(s.problems().empty());
  for (const TensorInfo& t : s.tensors()) {
    if (t.encoded.empty()) continue;
    std::vector<float> out(static_cast<std::size_t>(t.elements));
    EXPECT_TRUE(s.ReadF32(static_cast<std::size_t>(s.Find(t.name)), 0, t.elements, out.data()).ok()) << t.name;
  }
}

TEST(GgufTensors, NotGgufIsAProblem) {
  TensorSource s;
  const std::uint8_t junk[] = {'G', 'G', 'U', 'X', 3, 0, 0, 0};
  EXPECT_FALSE(AddGgufBytes(ByteView(junk, sizeof junk), "junk", Limits::Default(), &s).ok());
  EXPECT_EQ(s.problems().size(), 1u);
}

}  // namespace
}  // namespace modelgate::forensics
