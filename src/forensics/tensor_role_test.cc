#include "forensics/tensor_role.h"

#include <gtest/gtest.h>

namespace modelgate::forensics {
namespace {

TEST(TensorRoleTest, NamesOfTheCommonFamilies) {
  const std::vector<std::uint64_t> m = {64, 32}, v = {32};
  EXPECT_EQ(RoleOf("transformer.wte.weight", m), TensorRole::kEmbedding);          // GPT-2
  EXPECT_EQ(RoleOf("transformer.wpe.weight", m), TensorRole::kPosition);
  EXPECT_EQ(RoleOf("model.embed_tokens.weight", m), TensorRole::kEmbedding);       // Llama / Qwen2
  EXPECT_EQ(RoleOf("lm_head.weight", m), TensorRole::kOutputHead);
  EXPECT_EQ(RoleOf("token_embd.weight", m), TensorRole::kEmbedding);               // GGUF
  EXPECT_EQ(RoleOf("output.weight", m), TensorRole::kOutputHead);
  EXPECT_EQ(RoleOf("bert.embeddings.word_embeddings.weight", m), TensorRole::kEmbedding);
  EXPECT_EQ(RoleOf("bert.encoder.layer.3.output.dense.weight", m), TensorRole::kHiddenMatrix);
  EXPECT_EQ(RoleOf("model.layers.0.mlp.down_proj.weight", m), TensorRole::kHiddenMatrix);
  EXPECT_EQ(RoleOf("model.layers.0.input_layernorm.weight", v), TensorRole::kNorm);
  EXPECT_EQ(RoleOf("blk.0.attn_norm.weight", v), TensorRole::kNorm);
  EXPECT_EQ(RoleOf("transformer.h.0.ln_1.bias", v), TensorRole::kNorm);
  EXPECT_EQ(RoleOf("transformer.h.0.attn.c_attn.bias", v), TensorRole::kBias);
  EXPECT_EQ(RoleOf("conv.weight", {8, 3, 3, 3}), TensorRole::kOther);
}

TEST(TensorRoleTest, LayersAndMlpMatrices) {
  EXPECT_EQ(LayerOf("transformer.h.3.mlp.c_proj.weight"), 3);
  EXPECT_EQ(LayerOf("blk.12.ffn_down.weight"), 12);
  EXPECT_EQ(LayerOf("lm_head.weight"), -1);
  EXPECT_TRUE(IsMlpTensor("transformer.h.3.mlp.c_proj.weight"));
  EXPECT_TRUE(IsMlpTensor("blk.12.ffn_down.weight"));
  EXPECT_TRUE(IsMlpTensor("model.layers.1.mlp.gate_proj.weight"));
  EXPECT_FALSE(IsMlpTensor("model.layers.1.self_attn.q_proj.weight"));
  EXPECT_FALSE(IsMlpTensor("transformer.h.0.attn.c_proj.weight"));
}

}  // namespace
}  // namespace modelgate::forensics
