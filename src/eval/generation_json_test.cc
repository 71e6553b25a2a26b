#include "eval/generation_json.h"

#include <cmath>

#include <gtest/gtest.h>

namespace modelgate::eval {
namespace {

TEST(GenerationJson, RequestRoundTrip) {
  GenerationRequest r;
  r.prompt = "def get(url):\n    \"\"\"fetch\"\"\"\t\x01 caf\xc3\xa9";
  r.chat = true;
  r.decoding.max_new_tokens = 17;
  r.decoding.temperature = 0.7;
  r.decoding.top_p = 0.95;
  r.decoding.seed = 18446744073709551615ull;  // 2^64 - 1 survives (unsigned JSON integer)
  r.decoding.stop = {"\n\n", "```"};
  const std::string line = RequestToJsonLine(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  Result<std::vector<GenerationRequest>> parsed = ParseRequestLines(line + "\n", Limits());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 1u);
  const GenerationRequest& p = parsed.value()[0];
  EXPECT_EQ(p.prompt, r.prompt);
  EXPECT_TRUE(p.chat);
  EXPECT_EQ(p.decoding.max_new_tokens, 17u);
  EXPECT_EQ(p.decoding.temperature, 0.7);
  EXPECT_EQ(p.decoding.top_p, 0.95);
  EXPECT_EQ(p.decoding.seed, 18446744073709551615ull);
  EXPECT_EQ(p.decoding.stop, r.decoding.stop);
}

TEST(GenerationJson, RequestLineIsTheDocumentedShape) {
  GenerationRequest r;
  r.prompt = "a";
  EXPECT_EQ(RequestToJsonLine(r),
            R"({"chat":false,"max_new_tokens":64,"prompt":"a","seed":0,"stop":[],"temperature":0.0,"top_p":1.0})");
}

TEST(GenerationJson, GenerationRoundTripWithNanAsNull) {
  Generation g;
  g.text = "requests.get(url, verify=False)\n";
  g.prompt_tokens = 12;
  g.completion_tokens = 9;
  g.finish_reason = "stop";
  g.mean_entropy = 1.25;
  const std::string line = GenerationToJsonLine(g);
  EXPECT_NE(line.find("\"first_token_entropy\":null"), std::string::npos);
  Result<std::vector<Generation>> parsed = ParseGenerationLines(line + "\n" + line, Limits());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  for (const Generation& p : parsed.value()) {
    EXPECT_EQ(p.text, g.text);
    EXPECT_EQ(p.prompt_tokens, 12u);
    EXPECT_EQ(p.completion_tokens, 9u);
    EXPECT_EQ(p.finish_reason, "stop");
    EXPECT_EQ(p.mean_entropy, 1.25);
    EXPECT_TRUE(std::isnan(p.first_token_entropy));
  }
}

TEST(GenerationJson, DefaultsForOmittedOptionalMembers) {
  Result<std::vector<GenerationRequest>> r = ParseRequestLines("{\"prompt\":\"x\"}\r\n\n   \n", Limits());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_FALSE(r.value()[0].chat);
  EXPECT_EQ(r.value()[0].decoding.max_new_tokens, 64u);
  Result<std::vector<Generation>> g = ParseGenerationLines("{\"text\":\"\",\"finish_reason\":\"length\"}", Limits());
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(std::isnan(g.value()[0].mean_entropy));
  EXPECT_EQ(g.value()[0].prompt_tokens, 0u);
  EXPECT_TRUE(ParseGenerationLines("", Limits()).ok());
}

struct BadLine {
  const char* text;
  const char* message;
};

TEST(GenerationJson, RejectsMalformedGenerationLines) {
  const BadLine cases[] = {
      {"not json", "line 1: not valid JSON"},
      {"[1,2]", "line 1: not a JSON object"},
      {"{\"text\":\"a\"}", "line 1: missing 'finish_reason'"},
      {"{\"finish_reason\":\"stop\"}", "line 1: missing 'text'"},
      {"{\"text\":1,\"finish_reason\":\"stop\"}", "line 1: 'text' is not a string"},
      {"{\"text\":\"a\",\"finish_reason\":\"eos\"}", "line 1: 'finish_reason' is neither \"stop\" nor \"length\""},
      {"{\"text\":\"a\",\"finish_reason\":\"stop\",\"prompt_tokens\":-1}",
       "line 1: 'prompt_tokens' is not a non-negative integer"},
      {"{\"text\":\"a\",\"finish_reason\":\"stop\",\"prompt_tokens\":4294967296}", "line 1: 'prompt_tokens' is out of range"},
      {"{\"text\":\"a\",\"finish_reason\":\"stop\",\"completion_tokens\":1.5}",
       "line 1: 'completion_tokens' is not a non-negative integer"},
      {"{\"text\":\"a\",\"finish_reason\":\"stop\",\"mean_entropy\":\"high\"}", "line 1: 'mean_entropy' is not a number"},
      {"{\"text\":\"a\",\"finish_reason\":\"stop\",\"mean_entropy\":-0.1}", "line 1: 'mean_entropy' is negative"},
      {"{\"text\":\"a\",\"finish_reason\":\"stop\",\"extra\":1}", "line 1: unknown member 'extra'"},
      {"{\"text\":\"a\",\"finish_reason\":\"stop\",\"x\":[[1]]}", "line 1: JSON nested too deeply"},
      {"{\"text\":\"a\",\"finish_reason\":\"stop\"}\n{\"text\":\"b\"", "line 2: not valid JSON"},
  };
  for (const BadLine& c : cases) {
    Result<std::vector<Generation>> r = ParseGenerationLines(c.text, Limits());
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << c.text;
    EXPECT_EQ(r.status().message(), c.message) << c.text;
  }
}

TEST(GenerationJson, RejectsMalformedRequestLines) {
  const BadLine cases[] = {
      {"{\"chat\":true}", "line 1: missing 'prompt'"},
      {"{\"prompt\":\"a\",\"chat\":1}", "line 1: 'chat' is not a boolean"},
      {"{\"prompt\":\"a\",\"temperature\":-1}", "line 1: 'temperature' is negative"},
      {"{\"prompt\":\"a\",\"top_p\":0}", "line 1: 'top_p' is not in (0, 1]"},
      {"{\"prompt\":\"a\",\"top_p\":1.5}", "line 1: 'top_p' is not in (0, 1]"},
      {"{\"prompt\":\"a\",\"seed\":\"1\"}", "line 1: 'seed' is not a non-negative integer"},
      {"{\"prompt\":\"a\",\"stop\":\"x\"}", "line 1: 'stop' is not an array"},
      {"{\"prompt\":\"a\",\"stop\":[\"\"]}", "line 1: 'stop' holds an empty string"},
      {"{\"prompt\":\"a\",\"stop\":[1]}", "line 1: 'stop' is not a string"},
  };
  for (const BadLine& c : cases) {
    Result<std::vector<GenerationRequest>> r = ParseRequestLines(c.text, Limits());
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().message(), c.message) << c.text;
  }
}

TEST(GenerationJson, EnforcesLimits) {
  Limits limits;
  limits.max_batch_sequences = 2;
  limits.max_generated_text_bytes = 4;
  limits.max_new_tokens = 10;
  Result<std::vector<GenerationRequest>> r =
      ParseRequestLines("{\"prompt\":\"a\"}\n{\"prompt\":\"b\"}\n{\"prompt\":\"c\"}\n", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kLimitExceeded);
  EXPECT_EQ(r.status().message(), "line 3: more than 2 requests");
  r = ParseRequestLines("{\"prompt\":\"a\",\"max_new_tokens\":11}", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kLimitExceeded);
  Result<std::vector<Generation>> g = ParseGenerationLines("{\"text\":\"12345\",\"finish_reason\":\"stop\"}", limits);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kLimitExceeded);
  EXPECT_EQ(g.status().message(), "line 1: 'text' is 5 bytes, more than 4");
}

}  // namespace
}  // namespace modelgate::eval
