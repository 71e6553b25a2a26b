#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "forensics/tensor_expectations_test_util.h"
#include "forensics/tensor_source.h"

namespace modelgate::forensics {
namespace {

using testing::FormatsDir;
using testing::HasProblem;

TEST(SafetensorsTensors, TruncatedFileIsAProblemNotACrash) {
  TensorSource s;
  ASSERT_TRUE(AddSafetensorsFile(FormatsDir() + "safetensors/truncated.safetensors", Limits::Default(), &s).ok());
  EXPECT_TRUE(HasProblem(s, "refused by the reference loader"));
  EXPECT_FALSE(s.problems().empty());
  for (const TensorInfo& t : s.tensors()) EXPECT_FALSE(t.encoded.empty()) << t.name;  // only valid ones kept
}

TEST(SafetensorsTensors, UnsupportedDtypeIsListedWithoutBytes) {
  TensorSource s;
  ASSERT_TRUE(AddSafetensorsFile(FormatsDir() + "safetensors/f8_unsupported.safetensors", Limits::Default(), &s).ok());
  const std::int64_t i = s.Find("b");
  ASSERT_GE(i, 0);
  const TensorInfo& t = s.tensors()[static_cast<std::size_t>(i)];
  EXPECT_EQ(t.dtype, DType::kUnsupported);
  EXPECT_EQ(t.stored_dtype, "F8_E4M3");
  EXPECT_TRUE(t.encoded.empty());
  EXPECT_TRUE(HasProblem(s, "F8_E4M3", "b"));
  float out[1];
  EXPECT_EQ(s.ReadF32(static_cast<std::size_t>(i), 0, 1, out).code(), StatusCode::kNotSupported);
}

TEST(SafetensorsTensors, TooShortAndGarbageBytes) {
  TensorSource s;
  const std::vector<std::uint8_t> tiny = {1, 2, 3};
  EXPECT_FALSE(AddSafetensorsBytes(ByteView(tiny.data(), tiny.size()), "tiny", Limits::Default(), &s).ok());
  EXPECT_EQ(s.problems().size(), 1u);
  std::vector<std::uint8_t> junk(64, 0xff);
  EXPECT_FALSE(AddSafetensorsBytes(ByteView(junk.data(), junk.size()), "junk", Limits::Default(), &s).ok());
  EXPECT_TRUE(s.tensors().empty());
}

TEST(SafetensorsTensors, ModelTensorLimitStopsLoading) {
  Limits limits;
  limits.max_model_tensors = 2;
  TensorSource s;
  EXPECT_EQ(AddSafetensorsFile(FormatsDir() + "safetensors/sd_f32.safetensors", limits, &s).code(),
            StatusCode::kLimitExceeded);
  EXPECT_EQ(s.tensors().size(), 2u);
  EXPECT_TRUE(HasProblem(s, "max_model_tensors"));
}

TEST(SafetensorsTensors, RankLimit) {
  Limits limits;
  limits.max_tensor_rank = 1;
  TensorSource s;
  ASSERT_TRUE(AddSafetensorsFile(FormatsDir() + "safetensors/sd_f32.safetensors", limits, &s).ok());
  EXPECT_LT(s.Find("embed.weight"), 0);
  EXPECT_TRUE(HasProblem(s, "rank 2", "embed.weight"));
}

}  // namespace
}  // namespace modelgate::forensics
