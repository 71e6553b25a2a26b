#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>

#include "forensics/tensor_expectations_test_util.h"
#include "forensics/tensor_source.h"

namespace modelgate::forensics {
namespace {

namespace fs = std::filesystem;
using testing::FormatsDir;
using testing::HasProblem;
using testing::MustOpen;
using testing::Problems;

TEST(OpenTensors, BrokenIndexYieldsEveryProblem) {
  std::unique_ptr<TensorSource> s = MustOpen("sharded_broken");
  const std::string all = Problems(*s);
  EXPECT_TRUE(HasProblem(*s, "index names shard \"model-00002-of-00002.safetensors\"", "step.count")) << all;
  EXPECT_TRUE(HasProblem(*s, "not a plain file name")) << all;  // "../sharded/..."
  EXPECT_TRUE(HasProblem(*s, "model-00003-of-00003.safetensors\" is missing")) << all;
  EXPECT_TRUE(HasProblem(*s, "not in the index", "layer.scale")) << all;
  EXPECT_FALSE(HasProblem(*s, "", "layer.bias")) << all;
  // The ".." shard was never opened: every tensor comes from inside the folder.
  for (const TensorInfo& t : s->tensors()) EXPECT_NE(t.file.find("sharded_broken/"), std::string::npos);
}

TEST(OpenTensors, DuplicateNamesAcrossFiles) {
  std::unique_ptr<TensorSource> s = MustOpen("duplicate");
  EXPECT_EQ(s->tensors().size(), 2u);
  EXPECT_TRUE(HasProblem(*s, "duplicate tensor name", "layer.bias")) << Problems(*s);
}

TEST(OpenTensors, RoutesByContentNotName) {
  const fs::path dir = fs::temp_directory_path() / ("mg_open_tensors_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file(FormatsDir() + "gguf/sd_q8_0.gguf", dir / "weights.safetensors", fs::copy_options::overwrite_existing);
  Result<std::unique_ptr<TensorSource>> r = OpenTensors((dir / "weights.safetensors").string(), Limits::Default());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value()->tensors().size(), 3u);
  EXPECT_EQ(r.value()->tensors()[0].dtype, DType::kQ8_0);
  fs::remove_all(dir);
}

// The Hugging Face cache layout: snapshot files are symlinks into ../../blobs.
TEST(OpenTensors, SymlinkToARegularFileOutsideTheFolderIsFollowed) {
  const fs::path dir = fs::temp_directory_path() / ("mg_open_tensors_link_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "model");
  fs::copy_file(FormatsDir() + "safetensors/sd_f32.safetensors", dir / "outside.safetensors");
  fs::create_symlink(dir / "outside.safetensors", dir / "model" / "model.safetensors");
  Result<std::unique_ptr<TensorSource>> r = OpenTensors((dir / "model").string(), Limits::Default());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r.value()->tensors().empty());
  EXPECT_TRUE(r.value()->problems().empty()) << Problems(*r.value());
  fs::remove_all(dir);
}

TEST(OpenTensors, MissingPathAndFolderWithoutWeights) {
  EXPECT_EQ(OpenTensors(FormatsDir() + "no-such-file", Limits::Default()).status().code(), StatusCode::kIOError);
  const fs::path dir = fs::temp_directory_path() / ("mg_open_tensors_empty_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "README.md") << "no weights\n";
  EXPECT_EQ(OpenTensors(dir.string(), Limits::Default()).status().code(), StatusCode::kNotSupported);
  fs::remove_all(dir);
}

TEST(OpenTensors, ShardLimit) {
  Limits limits;
  limits.max_model_shards = 1;
  Result<std::unique_ptr<TensorSource>> r = OpenTensors(FormatsDir() + "sharded", limits);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value()->tensors().empty());
  EXPECT_TRUE(HasProblem(*r.value(), "max_model_shards"));
}

}  // namespace
}  // namespace modelgate::forensics

namespace modelgate::forensics {
namespace {

TEST(OpenTensors, TrainerStateFilesAreNotTheModel) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("mg_open_tensors_trainer_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string torch = std::string(MODELGATE_SOURCE_DIR) + "/tests/fixtures/forensics/torch/";
  fs::copy_file(torch + "state_dict_zip.pt", dir / "pytorch_model.bin");
  fs::copy_file(torch + "state_dict_zip.pt", dir / "optimizer.pt");
  fs::copy_file(torch + "state_dict_zip.pt", dir / "rng_state_0.pth");
  Result<std::unique_ptr<TensorSource>> r = OpenTensors(dir.string(), Limits{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r.value()->tensors().empty());
  for (const TensorInfo& t : r.value()->tensors()) EXPECT_EQ(fs::path(t.file).filename(), "pytorch_model.bin");
  EXPECT_TRUE(r.value()->problems().empty());  // no duplicate names from the other two copies
  fs::remove_all(dir);
}

}  // namespace
}  // namespace modelgate::forensics
