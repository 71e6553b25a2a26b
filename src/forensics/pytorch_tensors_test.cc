// Tests for AddPytorchFile against tests/fixtures/forensics/torch/, written by
// scripts/fixtures/torch_tensors.py: every expected dtype, shape, sum, sum of
// squares and first values there was computed by torch itself.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>
#include <string>
#include <vector>

#include "forensics/tensor_source.h"

namespace modelgate::forensics {
namespace {

namespace fs = std::filesystem;

fs::path FixtureDir() { return fs::path(MODELGATE_SOURCE_DIR) / "tests/fixtures/forensics/torch"; }

nlohmann::json Expected() {
  std::ifstream in(FixtureDir() / "expected.json");
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

std::unique_ptr<TensorSource> Load(const std::string& name) {
  auto src = std::make_unique<TensorSource>();
  Status st = AddPytorchFile((FixtureDir() / name).string(), Limits{}, src.get());
  EXPECT_TRUE(st.ok()) << st.ToString();
  return src;
}

std::string ProblemsText(const TensorSource& s) {
  std::string out;
  for (const auto& p : s.problems()) out += "[" + p.tensor + "] " + p.message + "\n";
  return out;
}

bool HasProblem(const TensorSource& s, const std::string& tensor, const std::string& needle) {
  for (const auto& p : s.problems()) {
    if (p.tensor == tensor && p.message.find(needle) != std::string::npos) return true;
  }
  return false;
}

// Checks one file's tensors and problems against expected.json.
void CheckFile(const std::string& file) {
  SCOPED_TRACE(file);
  nlohmann::json all = Expected();
  ASSERT_FALSE(all.is_discarded());
  ASSERT_TRUE(all.contains(file));
  const nlohmann::json& want = all[file];
  auto src = Load(file);
  std::size_t expected_problems = 0;
  if (want.contains("problems")) {
    for (const auto& [name, needle] : want["problems"].items()) {
      EXPECT_TRUE(HasProblem(*src, name, needle.get<std::string>())) << name << "\n" << ProblemsText(*src);
      ++expected_problems;
    }
  }
  std::size_t contiguous_problems = 0;
  for (const auto& [name, t] : want["tensors"].items()) {
    SCOPED_TRACE(name);
    std::int64_t i = src->Find(name);
    ASSERT_GE(i, 0) << ProblemsText(*src);
    const TensorInfo& info = src->tensors()[static_cast<std::size_t>(i)];
    EXPECT_EQ(DTypeName(info.dtype), t["dtype"].get<std::string>());
    EXPECT_EQ(info.shape, t["shape"].get<std::vector<std::uint64_t>>());
    if (!t["contiguous"].get<bool>()) {
      EXPECT_TRUE(info.encoded.empty());
      EXPECT_TRUE(HasProblem(*src, name, "non-contiguous"));
      ++contiguous_problems;
      continue;
    }
    std::vector<float> values(info.elements);
    Status st = src->ReadF32(static_cast<std::size_t>(i), 0, info.elements, values.data());
    ASSERT_TRUE(st.ok()) << st.ToString();
    double sum = 0, squares = 0;
    for (float v : values) {
      sum += v;
      squares += static_cast<double>(v) * v;
    }
    // f64 tensors are narrowed to float by ReadF32: compare relatively.
    double tol = 1e-5 * (1 + std::fabs(t["sum_squares"].get<double>()));
    EXPECT_NEAR(sum, t["sum"].get<double>(), tol);
    EXPECT_NEAR(squares, t["sum_squares"].get<double>(), tol);
    const auto& first = t["first"];
    ASSERT_LE(first.size(), values.size());
    for (std::size_t k = 0; k < first.size(); ++k) {
      EXPECT_NEAR(values[k], first[k].get<double>(), 1e-6 * (1 + std::fabs(first[k].get<double>()))) << k;
    }
  }
  // Nothing else went wrong: every problem is one the fixture expects.
  EXPECT_EQ(src->problems().size(), expected_problems + contiguous_problems) << ProblemsText(*src);
}

TEST(PytorchTensors, ZipStateDict) { CheckFile("state_dict_zip.pt"); }
TEST(PytorchTensors, LegacyStateDict) { CheckFile("state_dict_legacy.pt"); }
TEST(PytorchTensors, NestedCheckpointNamesByKeyPath) { CheckFile("checkpoint_nested.pt"); }
TEST(PytorchTensors, ZipDtypes) { CheckFile("dtypes.pt"); }
TEST(PytorchTensors, LegacyDtypes) { CheckFile("dtypes_legacy.pt"); }
TEST(PytorchTensors, SharedStorageAtOffsets) { CheckFile("shared_storage.pt"); }
TEST(PytorchTensors, NonContiguousViewListedWithoutBytes) { CheckFile("non_contiguous.pt"); }
TEST(PytorchTensors, WholeModuleNamedLikeItsStateDict) { CheckFile("module_zip.pt"); }
TEST(PytorchTensors, BigEndianByteorderRecord) { CheckFile("big_endian.pt"); }
TEST(PytorchTensors, TruncatedStorageMemberIsAProblem) { CheckFile("damaged_truncated_storage.pt"); }
TEST(PytorchTensors, MissingStorageMemberIsAProblem) { CheckFile("damaged_missing_member.pt"); }
TEST(PytorchTensors, BogusPersistentIdIsAProblem) { CheckFile("damaged_bogus_persid.pt"); }
TEST(PytorchTensors, TruncatedLegacyFileIsAProblem) { CheckFile("damaged_legacy_truncated.pt"); }

TEST(PytorchTensors, SharedStorageViewsPointIntoOneMapping) {
  auto src = Load("shared_storage.pt");
  std::int64_t all = src->Find("all"), head = src->Find("head");
  ASSERT_GE(all, 0);
  ASSERT_GE(head, 0);
  const TensorInfo& a = src->tensors()[static_cast<std::size_t>(all)];
  const TensorInfo& h = src->tensors()[static_cast<std::size_t>(head)];
  EXPECT_EQ(h.encoded.data(), a.encoded.data() + 4);  // head = all[1:4], f32
  EXPECT_EQ(a.member, h.member);
}

TEST(PytorchTensors, EveryPrefixOfAFileIsReadWithoutCrashing) {
  for (const char* name : {"state_dict_zip.pt", "state_dict_legacy.pt", "module_zip.pt"}) {
    std::ifstream in(FixtureDir() / name, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    fs::path tmp = fs::temp_directory_path() / ("modelgate_torch_prefix_" + std::to_string(::getpid()));
    for (std::size_t n = 0; n < bytes.size(); n += 97) {
      {
        std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
        o.write(bytes.data(), static_cast<std::streamsize>(n));
      }
      TensorSource src;
      Status st = AddPytorchFile(tmp.string(), Limits{}, &src);
      // A cut file is either not recognised or reported; never silently clean.
      if (st.ok()) {
        EXPECT_FALSE(src.problems().empty()) << name << " cut at " << n;
      }
    }
    fs::remove(tmp);
  }
}

TEST(PytorchTensors, MissingFileIsAnIOError) {
  TensorSource src;
  EXPECT_FALSE(AddPytorchFile("/nonexistent/model.pt", Limits{}, &src).ok());
}

}  // namespace
}  // namespace modelgate::forensics
