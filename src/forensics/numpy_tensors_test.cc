#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "forensics/tensor_expectations_test_util.h"
#include "forensics/tensor_source.h"

namespace modelgate::forensics {
namespace {

using testing::FormatsDir;
using testing::HasProblem;

std::vector<std::uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(NumpyTensors, NpyNamedAfterTheFileAndByteOrderKept) {
  TensorSource s;
  ASSERT_TRUE(AddNumpyFile(FormatsDir() + "numpy/count_be.npy", Limits::Default(), &s).ok());
  ASSERT_EQ(s.tensors().size(), 1u);
  EXPECT_EQ(s.tensors()[0].name, "count_be");
  EXPECT_EQ(s.tensors()[0].stored_dtype, ">i4");
  EXPECT_TRUE(s.tensors()[0].big_endian);
}

TEST(NumpyTensors, FortranObjectAndComplexAreListedWithProblems) {
  for (const char* name : {"fortran", "object", "complex"}) {
    SCOPED_TRACE(name);
    TensorSource s;
    ASSERT_TRUE(AddNumpyFile(FormatsDir() + "numpy/" + name + ".npy", Limits::Default(), &s).ok());
    ASSERT_EQ(s.tensors().size(), 1u);
    EXPECT_TRUE(s.tensors()[0].encoded.empty());
    EXPECT_EQ(s.problems().size(), 1u);
  }
  TensorSource obj;
  ASSERT_TRUE(AddNumpyFile(FormatsDir() + "numpy/object.npy", Limits::Default(), &obj).ok());
  EXPECT_EQ(obj.tensors()[0].dtype, DType::kUnsupported);
  EXPECT_TRUE(HasProblem(obj, "pickle"));
}

TEST(NumpyTensors, NpzMembersAreNamedWithoutSuffix) {
  TensorSource s;
  ASSERT_TRUE(AddNumpyFile(FormatsDir() + "numpy/sd_compressed.npz", Limits::Default(), &s).ok());
  const std::int64_t i = s.Find("embed.weight");
  ASSERT_GE(i, 0);
  EXPECT_EQ(s.tensors()[static_cast<std::size_t>(i)].member, "embed.weight.npy");
}

TEST(NumpyTensors, InflationIsBounded) {
  Limits limits;
  limits.max_member_bytes = 1000;  // embed.weight inflates to ~24 KB
  TensorSource s;
  ASSERT_TRUE(AddNumpyFile(FormatsDir() + "numpy/sd_compressed.npz", limits, &s).ok());
  EXPECT_LT(s.Find("embed.weight"), 0);
  EXPECT_GE(s.Find("layer.bias"), 0);
  EXPECT_TRUE(HasProblem(s, "not extracted", "embed.weight"));
  limits = Limits();
  limits.max_decompressed_bytes = 1000;
  TensorSource total;
  EXPECT_EQ(AddNumpyFile(FormatsDir() + "numpy/sd_compressed.npz", limits, &total).code(),
            StatusCode::kLimitExceeded);
}

TEST(NumpyTensors, DamagedNpzIsAProblemNeverACrash) {
  const std::vector<std::uint8_t> good = ReadAll(FormatsDir() + "numpy/sd_compressed.npz");
  ASSERT_GT(good.size(), 2000u);
  // Flip bytes inside the deflated data, then cut the archive short.
  std::vector<std::uint8_t> flipped = good;
  for (std::size_t k = 200; k < 1200; k += 97) flipped[k] ^= 0x5a;
  TensorSource a;
  (void)AddNumpyBytes(ByteView(flipped.data(), flipped.size()), "flipped.npz", Limits::Default(), &a);
  EXPECT_FALSE(a.problems().empty());
  std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2));
  TensorSource b;
  EXPECT_FALSE(AddNumpyBytes(ByteView(cut.data(), cut.size()), "cut.npz", Limits::Default(), &b).ok());
  EXPECT_FALSE(b.problems().empty());
}

TEST(NumpyTensors, TruncatedNpyDataIsAProblem) {
  std::vector<std::uint8_t> bytes = ReadAll(FormatsDir() + "numpy/embed_le.npy");
  bytes.resize(bytes.size() - 100);
  TensorSource s;
  ASSERT_TRUE(AddNumpyBytes(ByteView(bytes.data(), bytes.size()), "embed_le.npy", Limits::Default(), &s).ok());
  ASSERT_EQ(s.tensors().size(), 1u);
  EXPECT_TRUE(s.tensors()[0].encoded.empty());
  EXPECT_TRUE(HasProblem(s, "shorter", "embed_le"));
}

}  // namespace
}  // namespace modelgate::forensics
