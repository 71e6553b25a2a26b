#include "eval/runtime/model_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "eval/runtime/runtime_test_util.h"

namespace modelgate::eval {
namespace {

using nlohmann::json;

json Fixture(const std::string& name) { return json::parse(testing::ReadText(testing::FixtureDir(name) + "/config.json")); }

StatusCode Code(const json& j) { return ParseModelConfig(j.dump(), Limits::Default()).status().code(); }

TEST(ModelConfig, ReadsTheFixtures) {
  Result<ModelConfig> gpt2 = ParseModelConfig(Fixture("gpt2").dump(), Limits::Default());
  ASSERT_TRUE(gpt2.ok()) << gpt2.status().ToString();
  EXPECT_EQ(gpt2->arch, Architecture::kGpt2);
  EXPECT_EQ(gpt2->head_dim, 8u);
  EXPECT_EQ(gpt2->intermediate, 128u);  // n_inner null: 4 * n_embd
  EXPECT_TRUE(gpt2->tie_embeddings);
  EXPECT_EQ(gpt2->eos_ids, std::vector<std::int32_t>{255});
  Result<ModelConfig> qwen = ParseModelConfig(Fixture("qwen2").dump(), Limits::Default());
  ASSERT_TRUE(qwen.ok()) << qwen.status().ToString();
  EXPECT_TRUE(qwen->qkv_bias);
  EXPECT_EQ(qwen->rope_theta, 1e6);
  EXPECT_EQ(qwen->kv_heads, 2u);
  EXPECT_EQ(qwen->head_dim, 10u);
  EXPECT_EQ(qwen->eos_ids, (std::vector<std::int32_t>{318, 319}));
  // Parameter count by hand: embed 320*40, per layer 2*40 norms +
  // 40*(40+20+20) qkv + 80 biases + 40*40 o + 3*40*80 MLP; final norm 40.
  EXPECT_EQ(qwen->ParameterCount(), 320u * 40 + 2 * (80 + 3200 + 80 + 1600 + 9600) + 40);
}

struct Edit {
  const char* fixture;
  const char* key;
  json value;  // null: the key is removed
  StatusCode expected;
};

TEST(ModelConfig, RefusesWhatChangesTheMathsAndBrokenConfigs) {
  const Edit edits[] = {
      {"llama", "rope_scaling", {{"type", "linear"}, {"factor", 2.0}}, StatusCode::kNotSupported},
      {"qwen2", "use_sliding_window", true, StatusCode::kNotSupported},
      {"llama", "hidden_act", "gelu", StatusCode::kNotSupported},
      {"llama", "attention_bias", true, StatusCode::kNotSupported},
      {"llama", "mlp_bias", true, StatusCode::kNotSupported},
      {"gpt2", "activation_function", "relu", StatusCode::kNotSupported},
      {"gpt2", "scale_attn_by_inverse_layer_idx", true, StatusCode::kNotSupported},
      {"gpt2", "model_type", "mistral", StatusCode::kNotSupported},
      {"llama", "hidden_size", nullptr, StatusCode::kCorruption},
      {"llama", "num_key_value_heads", 3, StatusCode::kCorruption},  // 4 heads are not groups of 3
      {"gpt2", "n_head", 5, StatusCode::kCorruption},                // 32 is not a multiple of 5
      {"gpt2", "n_layer", -2, StatusCode::kCorruption},
      {"gpt2", "n_embd", "32", StatusCode::kCorruption},
      {"gpt2", "eos_token_id", 256, StatusCode::kCorruption},        // outside the vocabulary
      {"gpt2", "layer_norm_epsilon", "tiny", StatusCode::kCorruption},
      {"llama", "hidden_size", 1 << 20, StatusCode::kLimitExceeded},  // past the per-dimension bound
  };
  for (const Edit& e : edits) {
    json j = Fixture(e.fixture);
    if (e.value.is_null()) {
      j.erase(e.key);
    } else {
      j[e.key] = e.value;
    }
    EXPECT_EQ(Code(j), e.expected) << e.fixture << " " << e.key << " = " << e.value.dump();
  }
  EXPECT_EQ(ParseModelConfig("{\"model_type\": ", Limits::Default()).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ParseModelConfig("[1]", Limits::Default()).status().code(), StatusCode::kCorruption);
}

TEST(ModelConfig, Limits) {
  EXPECT_EQ(ParseModelConfig(std::string(1000, '[') + std::string(1000, ']'), Limits::Default()).status().code(),
            StatusCode::kLimitExceeded);
  Limits small = Limits::Default();
  small.max_runtime_parameters = 1000;
  EXPECT_EQ(ParseModelConfig(Fixture("llama").dump(), small).status().code(), StatusCode::kLimitExceeded);
  small = Limits::Default();
  small.max_eval_config_bytes = 10;
  EXPECT_EQ(ParseModelConfig(Fixture("llama").dump(), small).status().code(), StatusCode::kLimitExceeded);
}

}  // namespace
}  // namespace modelgate::eval
