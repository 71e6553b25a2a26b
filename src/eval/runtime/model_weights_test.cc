// Damaged copies of the llama fixture: every tensor read back and rewritten
// with one change, so exactly one thing is wrong each time.
#include "eval/runtime/model_weights.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "eval/runtime/runtime_test_util.h"
#include "eval/runtime/transformer.h"

namespace modelgate::eval {
namespace {

using testing::NamedTensor;

std::vector<NamedTensor> FixtureTensors(const std::string& name) {
  auto source = forensics::OpenTensors(testing::FixtureDir(name), Limits::Default());
  EXPECT_TRUE(source.ok());
  std::vector<NamedTensor> out;
  for (std::size_t i = 0; i < source.value()->tensors().size(); ++i) {
    const forensics::TensorInfo& t = source.value()->tensors()[i];
    NamedTensor n{t.name, t.shape, std::vector<float>(t.elements)};
    EXPECT_TRUE(source.value()->ReadF32(i, 0, t.elements, n.values.data()).ok());
    out.push_back(std::move(n));
  }
  return out;
}

Status LoadWith(const std::string& fixture, const std::vector<NamedTensor>& tensors) {
  const std::string dir =
      testing::TempModelDir("weights", testing::ReadText(testing::FixtureDir(fixture) + "/config.json"));
  testing::WriteSafetensors(dir + "/model.safetensors", tensors);
  Result<std::unique_ptr<CausalLm>> lm = CausalLm::Load(dir, Limits::Default(), 1);
  std::filesystem::remove_all(dir);
  return lm.status();
}

void ExpectCorruption(const std::string& fixture, const std::vector<NamedTensor>& tensors, const std::string& needle) {
  Status st = LoadWith(fixture, tensors);
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
  EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
}

TEST(ModelWeights, RewrittenFixtureLoads) { EXPECT_TRUE(LoadWith("llama", FixtureTensors("llama")).ok()); }

TEST(ModelWeights, MissingTensorIsCorruption) {
  std::vector<NamedTensor> t = FixtureTensors("llama");
  std::erase_if(t, [](const NamedTensor& n) { return n.name == "model.layers.1.mlp.up_proj.weight"; });
  ExpectCorruption("llama", t, "missing tensor model.layers.1.mlp.up_proj.weight");
  // The untied head is required too.
  t = FixtureTensors("llama");
  std::erase_if(t, [](const NamedTensor& n) { return n.name == "lm_head.weight"; });
  ExpectCorruption("llama", t, "missing tensor lm_head.weight");
}

TEST(ModelWeights, ExtraTensorIsCorruption) {
  std::vector<NamedTensor> t = FixtureTensors("llama");
  t.push_back(NamedTensor{"model.layers.2.mlp.up_proj.weight", {4}, {1, 2, 3, 4}});
  ExpectCorruption("llama", t, "unexpected tensor model.layers.2");
}

TEST(ModelWeights, WrongShapeIsCorruption) {
  std::vector<NamedTensor> t = FixtureTensors("llama");
  for (NamedTensor& n : t) {
    if (n.name == "model.layers.0.self_attn.k_proj.weight") n.shape = {n.shape[1], n.shape[0]};  // [16,32] -> [32,16]
  }
  ExpectCorruption("llama", t, "k_proj.weight has shape [32, 16]");
}

TEST(ModelWeights, Gpt2NamesWithoutPrefixAndMaskBuffersAreAccepted) {
  std::vector<NamedTensor> t = FixtureTensors("gpt2");
  for (NamedTensor& n : t) {
    if (n.name.starts_with("transformer.")) n.name = n.name.substr(12);
  }
  t.push_back(NamedTensor{"h.0.attn.bias", {1, 1, 2, 2}, {1, 0, 1, 1}});
  EXPECT_TRUE(LoadWith("gpt2", t).ok());
}

TEST(ModelWeights, NoSafetensorsIsNotSupported) {
  const std::string dir = testing::TempModelDir("empty", testing::ReadText(testing::FixtureDir("gpt2") + "/config.json"));
  Result<std::unique_ptr<CausalLm>> lm = CausalLm::Load(dir, Limits::Default(), 1);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(lm.status().code(), StatusCode::kNotSupported) << lm.status().ToString();
}

TEST(ModelWeights, ParameterLimit) {
  Limits small = Limits::Default();
  small.max_runtime_parameters = 10'000;
  EXPECT_EQ(CausalLm::Load(testing::FixtureDir("gpt2"), small, 1).status().code(), StatusCode::kLimitExceeded);
}

}  // namespace
}  // namespace modelgate::eval

namespace modelgate::eval {
namespace {

// The qwen2 fixture split over two shards with a model.safetensors.index.json
// loads and gives the same logits as the single file.
TEST(ModelWeights, ShardedIndexLoads) {
  std::vector<NamedTensor> t = FixtureTensors("qwen2");
  const std::string dir =
      testing::TempModelDir("sharded", testing::ReadText(testing::FixtureDir("qwen2") + "/config.json"));
  std::vector<NamedTensor> first(t.begin(), t.begin() + t.size() / 2), second(t.begin() + t.size() / 2, t.end());
  testing::WriteSafetensors(dir + "/model-00001-of-00002.safetensors", first);
  testing::WriteSafetensors(dir + "/model-00002-of-00002.safetensors", second);
  nlohmann::json index = {{"metadata", nlohmann::json::object()}, {"weight_map", nlohmann::json::object()}};
  for (const NamedTensor& n : first) index["weight_map"][n.name] = "model-00001-of-00002.safetensors";
  for (const NamedTensor& n : second) index["weight_map"][n.name] = "model-00002-of-00002.safetensors";
  std::ofstream(dir + "/model.safetensors.index.json") << index.dump();
  Result<std::unique_ptr<CausalLm>> sharded = CausalLm::Load(dir, Limits::Default(), 1);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(sharded.ok()) << sharded.status().ToString();
  Result<std::unique_ptr<CausalLm>> single = CausalLm::Load(testing::FixtureDir("qwen2"), Limits::Default(), 1);
  ASSERT_TRUE(single.ok());
  const std::vector<TokenId> prompt = {5, 17, 250, 3};
  std::vector<float> a, b;
  for (auto [lm, out] : {std::pair{sharded.value().get(), &a}, std::pair{single.value().get(), &b}}) {
    KvCache cache = lm->NewCache();
    KvCache* caches[] = {&cache};
    std::span<const TokenId> tokens[] = {prompt};
    ASSERT_TRUE(lm->Forward(caches, tokens, true, out).ok());
  }
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace modelgate::eval
