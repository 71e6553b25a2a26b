// The runtime against PyTorch: logits, greedy continuations and batched
// prompts from scripts/eval_models/make_runtime_fixtures.py (hf_models.py).
#include <gtest/gtest.h>

#include <cmath>

#include "eval/runtime/generator.h"
#include "eval/runtime/runtime_test_util.h"
#include "eval/runtime/transformer.h"

namespace modelgate::eval {
namespace {

using testing::FixtureDir;
using testing::Reference;

constexpr double kTolerance = 1e-4;

std::unique_ptr<CausalLm> LoadFixture(const std::string& name, unsigned threads) {
  Result<std::unique_ptr<CausalLm>> lm = CausalLm::Load(FixtureDir(name), Limits::Default(), threads);
  EXPECT_TRUE(lm.ok()) << name << ": " << lm.status().ToString();
  return lm.ok() ? std::move(lm).value() : nullptr;
}

std::vector<TokenId> Ids(const nlohmann::json& j) { return j.get<std::vector<TokenId>>(); }

double MaxDiff(const float* ours, const nlohmann::json& reference) {
  double worst = 0;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    worst = std::max(worst, std::fabs(static_cast<double>(ours[i]) - reference[i].get<double>()));
  }
  return worst;
}

// Runs `tokens` through a fresh cache (or `cache` when given).
std::vector<float> ForwardLogits(CausalLm& lm, std::span<const TokenId> tokens, bool all_positions, KvCache* cache = nullptr) {
  KvCache fresh = lm.NewCache();
  KvCache* caches[] = {cache != nullptr ? cache : &fresh};
  std::span<const TokenId> feed[] = {tokens};
  std::vector<float> logits;
  Status st = lm.Forward(caches, feed, all_positions, &logits);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return logits;
}

class RuntimeFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(RuntimeFixture, LogitsAtEveryPositionMatchPyTorch) {
  const nlohmann::json ref = Reference(GetParam());
  auto lm = LoadFixture(GetParam(), 1);
  ASSERT_NE(lm, nullptr);
  const std::vector<TokenId> prompt = Ids(ref["prompt"]);
  KvCache cache = lm->NewCache();
  const std::vector<float> logits = ForwardLogits(*lm, prompt, /*all_positions=*/true, &cache);
  const std::size_t vocab = lm->config().vocab_size;
  ASSERT_EQ(logits.size(), prompt.size() * vocab);
  ASSERT_EQ(ref["logits"].size(), prompt.size());
  double worst = 0;
  for (std::size_t p = 0; p < prompt.size(); ++p) worst = std::max(worst, MaxDiff(logits.data() + p * vocab, ref["logits"][p]));
  EXPECT_LE(worst, kTolerance) << GetParam();
  EXPECT_EQ(cache.length(), prompt.size());
}

TEST_P(RuntimeFixture, GreedyWithKvCacheMatchesPyTorch) {
  const nlohmann::json ref = Reference(GetParam());
  auto lm = LoadFixture(GetParam(), 2);
  ASSERT_NE(lm, nullptr);
  TokenRequest request{Ids(ref["prompt"]), Decoding{}};
  request.decoding.max_new_tokens = 16;
  Result<std::vector<TokenGeneration>> out = GenerateTokens(*lm, std::span(&request, 1), GeneratorOptions{}, Limits::Default());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out.value()[0].tokens, Ids(ref["greedy"]));
  EXPECT_EQ(out.value()[0].finish_reason, "length");
  EXPECT_EQ(out.value()[0].entropies.size(), 16u);
}

TEST_P(RuntimeFixture, RaggedBatchLastLogitsMatchPyTorch) {
  const nlohmann::json ref = Reference(GetParam());
  auto lm = LoadFixture(GetParam(), 2);
  ASSERT_NE(lm, nullptr);
  const std::vector<TokenId> a = Ids(ref["batch"][0]["prompt"]), b = Ids(ref["batch"][1]["prompt"]);
  ASSERT_NE(a.size(), b.size());
  KvCache ca = lm->NewCache(), cb = lm->NewCache();
  KvCache* caches[] = {&ca, &cb};
  std::span<const TokenId> tokens[] = {a, b};
  std::vector<float> logits;
  ASSERT_TRUE(lm->Forward(caches, tokens, /*all_positions=*/false, &logits).ok());
  const std::size_t vocab = lm->config().vocab_size;
  ASSERT_EQ(logits.size(), 2 * vocab);
  EXPECT_LE(MaxDiff(logits.data(), ref["batch"][0]["last_logits"]), kTolerance);
  EXPECT_LE(MaxDiff(logits.data() + vocab, ref["batch"][1]["last_logits"]), kTolerance);
}

// Prefill of all but the last token, then the last one alone through the
// cache: the same logits as the full pass.
TEST_P(RuntimeFixture, IncrementalEqualsFullForward) {
  const nlohmann::json ref = Reference(GetParam());
  auto lm = LoadFixture(GetParam(), 1);
  ASSERT_NE(lm, nullptr);
  const std::vector<TokenId> prompt = Ids(ref["prompt"]);
  KvCache cache = lm->NewCache();
  ForwardLogits(*lm, std::span(prompt).first(prompt.size() - 3), false, &cache);
  for (std::size_t i = prompt.size() - 3; i < prompt.size(); ++i) {
    const std::vector<float> logits = ForwardLogits(*lm, std::span(prompt).subspan(i, 1), false, &cache);
    EXPECT_LE(MaxDiff(logits.data(), ref["logits"][i]), kTolerance) << "position " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, RuntimeFixture, ::testing::Values("gpt2", "llama", "qwen2", "llama-bf16"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

std::vector<TokenRequest> SamplingRequests(const nlohmann::json& ref) {
  std::vector<TokenRequest> requests;
  const nlohmann::json prompts[] = {ref["prompt"], ref["batch"][0]["prompt"], ref["batch"][1]["prompt"]};
  for (std::size_t i = 0; i < 3; ++i) {
    TokenRequest r{Ids(prompts[i]), Decoding{}};
    r.decoding.max_new_tokens = 12 + 4 * static_cast<std::uint32_t>(i);  // sequences leave the batch at different steps
    r.decoding.temperature = 0.9;
    r.decoding.top_p = 0.95;
    r.decoding.seed = 100 + i;
    requests.push_back(r);
  }
  return requests;
}

std::vector<std::vector<TokenId>> Tokens(const std::vector<TokenGeneration>& g) {
  std::vector<std::vector<TokenId>> t;
  for (const TokenGeneration& x : g) t.push_back(x.tokens);
  return t;
}

TEST(RuntimeGenerate, BatchedEqualsUnbatchedAndSeedsReproduce) {
  auto lm = LoadFixture("qwen2", 2);
  ASSERT_NE(lm, nullptr);
  const std::vector<TokenRequest> requests = SamplingRequests(Reference("qwen2"));
  GeneratorOptions one, all;
  one.max_batch = 1;
  all.max_batch = 3;
  auto a = GenerateTokens(*lm, requests, one, Limits::Default());
  auto b = GenerateTokens(*lm, requests, all, Limits::Default());
  auto c = GenerateTokens(*lm, requests, all, Limits::Default());
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(Tokens(a.value()), Tokens(b.value()));
  EXPECT_EQ(Tokens(b.value()), Tokens(c.value()));
  for (std::size_t i = 0; i < requests.size(); ++i) EXPECT_EQ(a.value()[i].tokens.size(), requests[i].decoding.max_new_tokens);
  // Another seed gives another continuation (12+ tokens sampled at T = 0.9).
  std::vector<TokenRequest> reseeded = requests;
  for (TokenRequest& r : reseeded) r.decoding.seed += 1000;
  auto d = GenerateTokens(*lm, reseeded, all, Limits::Default());
  ASSERT_TRUE(d.ok());
  EXPECT_NE(Tokens(d.value()), Tokens(b.value()));
}

TEST(RuntimeGenerate, OneAndTwoThreadsGiveIdenticalLogits) {
  const nlohmann::json ref = Reference("llama");
  auto one = LoadFixture("llama", 1), two = LoadFixture("llama", 2);
  ASSERT_TRUE(one && two);
  const std::vector<TokenId> prompt = Ids(ref["prompt"]);
  EXPECT_EQ(ForwardLogits(*one, prompt, true), ForwardLogits(*two, prompt, true));  // bit for bit: work is split by fixed blocks of rows
}

TEST(RuntimeGenerate, StopsAtEosAndStopStrings) {
  auto lm = LoadFixture("gpt2", 1);
  ASSERT_NE(lm, nullptr);
  const nlohmann::json ref = Reference("gpt2");
  const std::vector<TokenId> greedy = Ids(ref["greedy"]);
  TokenRequest r{Ids(ref["prompt"]), Decoding{}};
  r.decoding.max_new_tokens = 16;
  // The first greedy token as an end id: nothing is generated.
  GeneratorOptions eos;
  eos.eos_ids = {greedy[0]};
  auto a = GenerateTokens(*lm, std::span(&r, 1), eos, Limits::Default());
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a.value()[0].tokens.empty());
  EXPECT_EQ(a.value()[0].finish_reason, "stop");
  EXPECT_EQ(a.value()[0].entropies.size(), 1u);
  // Each token spelled "<id>,": the stop string "<g0>,<g1>" cuts after the first token's text.
  GeneratorOptions text;
  text.token_bytes = [](TokenId id) { return std::to_string(id) + ","; };
  r.decoding.stop = {"," + std::to_string(greedy[1]) + ","};
  auto b = GenerateTokens(*lm, std::span(&r, 1), text, Limits::Default());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.value()[0].text, std::to_string(greedy[0]));
  EXPECT_EQ(b.value()[0].finish_reason, "stop");
  EXPECT_EQ(b.value()[0].tokens.size(), 2u);
  // The context bound: 12 prompt tokens in a 15-token context leave 3.
  GeneratorOptions ctx;
  ctx.max_context = 15;
  r.decoding.stop.clear();
  auto c = GenerateTokens(*lm, std::span(&r, 1), ctx, Limits::Default());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.value()[0].tokens, std::vector<TokenId>(greedy.begin(), greedy.begin() + 3));
  EXPECT_EQ(c.value()[0].finish_reason, "length");
}

TEST(RuntimeGenerate, RefusesBadRequests) {
  auto lm = LoadFixture("gpt2", 1);
  ASSERT_NE(lm, nullptr);
  auto run = [&](TokenRequest r) { return GenerateTokens(*lm, std::span(&r, 1), GeneratorOptions{}, Limits::Default()).status().code(); };
  EXPECT_EQ(run(TokenRequest{{}, Decoding{}}), StatusCode::kInvalidArgument);
  EXPECT_EQ(run(TokenRequest{{1, 256}, Decoding{}}), StatusCode::kInvalidArgument);
  TokenRequest r{{1, 2}, Decoding{}};
  r.decoding.top_p = 0;
  EXPECT_EQ(run(r), StatusCode::kInvalidArgument);
  r.decoding.top_p = 1;
  r.decoding.temperature = -1;
  EXPECT_EQ(run(r), StatusCode::kInvalidArgument);
  r.decoding.temperature = 0;
  r.decoding.max_new_tokens = Limits::Default().max_new_tokens + 1;
  EXPECT_EQ(run(r), StatusCode::kLimitExceeded);
  // Positions past n_positions (64) are refused by the forward pass itself.
  KvCache cache = lm->NewCache();
  KvCache* caches[] = {&cache};
  std::vector<TokenId> long_prompt(65, 3);
  std::span<const TokenId> tokens[] = {long_prompt};
  std::vector<float> logits;
  EXPECT_EQ(lm->Forward(caches, tokens, false, &logits).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cache.length(), 0u);
}

}  // namespace
}  // namespace modelgate::eval
