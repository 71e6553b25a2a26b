#include "eval/remote/openai_response.h"

#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace modelgate::eval {
namespace {

// Expected entropies are derived by hand in nats.
TEST(EntropyLowerBound, ExactWhenTopKHoldAllMass) {
  EXPECT_NEAR(EntropyLowerBound({std::log(0.5), std::log(0.5)}), std::log(2.0), 1e-12);
  EXPECT_NEAR(EntropyLowerBound({0.0}), 0.0, 1e-12);
}

TEST(EntropyLowerBound, MergesTheTailIntoOneOutcome) {
  // p = 1/2, 1/4, tail 1/4: 1/2 ln 2 + 1/4 ln 4 + 1/4 ln 4 = 1.5 ln 2.
  EXPECT_NEAR(EntropyLowerBound({std::log(0.5), std::log(0.25)}), 1.5 * std::log(2.0), 1e-12);
  // A single known token of probability 0.9: the binary entropy of 0.9.
  EXPECT_NEAR(EntropyLowerBound({std::log(0.9)}), -(0.9 * std::log(0.9) + 0.1 * std::log(0.1)), 1e-12);
}

TEST(EntropyLowerBound, RenormalisesMassAboveOne) {
  EXPECT_NEAR(EntropyLowerBound({std::log(0.8), std::log(0.8)}), std::log(2.0), 1e-12);
  EXPECT_TRUE(std::isnan(EntropyLowerBound({})));
}

TEST(OpenAiResponse, ParsesACompletionWithLogprobs) {
  const std::string body = R"J({"id":"cmpl-1","object":"text_completion","choices":[{"index":0,
    "text":" verify=False)","finish_reason":"length","logprobs":{"tokens":["a","b"],"token_logprobs":[-0.1,-0.2],
    "top_logprobs":[{"a":-0.6931471805599453,"c":-0.6931471805599453},{"b":0.0}]}}],
    "usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}})J";
  Result<Generation> g = ParseCompletionResponse(body, false, Limits());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->text, " verify=False)");
  EXPECT_EQ(g->finish_reason, "length");
  EXPECT_EQ(g->prompt_tokens, 7u);
  EXPECT_EQ(g->completion_tokens, 2u);
  EXPECT_NEAR(g->first_token_entropy, std::log(2.0), 1e-9);
  EXPECT_NEAR(g->mean_entropy, std::log(2.0) / 2, 1e-9);
}

TEST(OpenAiResponse, ParsesAChatResponseWithLogprobs) {
  const std::string body = R"({"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},
    "finish_reason":"stop","logprobs":{"content":[
      {"token":"h","logprob":-0.6931471805599453,"top_logprobs":[{"token":"h","logprob":-0.6931471805599453},
                                                               {"token":"H","logprob":-1.3862943611198906}]},
      {"token":"i","logprob":0.0,"top_logprobs":[]}]}}]})";
  Result<Generation> g = ParseCompletionResponse(body, true, Limits());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->text, "hi");
  EXPECT_EQ(g->finish_reason, "stop");
  EXPECT_EQ(g->prompt_tokens, 0u);
  EXPECT_NEAR(g->first_token_entropy, 1.5 * std::log(2.0), 1e-9);
  EXPECT_NEAR(g->mean_entropy, 0.75 * std::log(2.0), 1e-9);  // second position: p = 1, entropy 0
}

TEST(OpenAiResponse, NoLogprobsMeansNan) {
  Result<Generation> g =
      ParseCompletionResponse(R"({"choices":[{"message":{"content":null},"finish_reason":"eos"}]})", true, Limits());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->text, "");
  EXPECT_EQ(g->finish_reason, "stop");
  EXPECT_TRUE(std::isnan(g->mean_entropy));
  EXPECT_TRUE(std::isnan(g->first_token_entropy));
}

TEST(OpenAiResponse, RejectsHostileShapes) {
  struct Case {
    const char* body;
    bool chat;
    const char* message;
  };
  const Case cases[] = {
      {"nope", false, "response: not valid JSON"},
      {"[]", false, "response: not a JSON object"},
      {"{}", false, "response: no 'choices'"},
      {R"({"choices":[]})", false, "response: 'choices' is not a non-empty array"},
      {R"({"choices":[{"text":5}]})", false, "response: choices[0].text is not a string"},
      {R"({"choices":[{"message":"x"}]})", true, "response: choices[0].message is not an object"},
      {R"({"choices":[{"text":"a","finish_reason":1}]})", false, "response: choices[0].finish_reason is not a string"},
      {R"({"choices":[{"text":"a"}],"usage":{"prompt_tokens":-3}})", false,
       "response: usage.prompt_tokens is not a non-negative integer"},
      {R"({"choices":[{"text":"a","logprobs":{"top_logprobs":[{"a":"x"}]}}]})", false,
       "response: logprobs.top_logprobs value is not a number"},
      {R"({"choices":[{"text":"a","logprobs":{"top_logprobs":[{"a":3.0}]}}]})", false,
       "response: logprobs.top_logprobs value is not a log-probability"},
      {R"({"choices":[{"text":"a","x":[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}]})", false,
       "response: JSON nested too deeply"},
  };
  for (const Case& c : cases) {
    Result<Generation> g = ParseCompletionResponse(c.body, c.chat, Limits());
    ASSERT_FALSE(g.ok()) << c.body;
    EXPECT_EQ(g.status().code(), StatusCode::kCorruption) << c.body;
    EXPECT_EQ(g.status().message(), c.message) << c.body;
  }
}

TEST(OpenAiResponse, BoundsBodyAndText) {
  Limits limits;
  limits.max_generated_text_bytes = 3;
  Result<Generation> g = ParseCompletionResponse(R"({"choices":[{"text":"abcd"}]})", false, limits);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kLimitExceeded);
  limits.max_http_body_bytes = 10;
  g = ParseCompletionResponse(R"({"choices":[{"text":"a"}]})", false, limits);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kLimitExceeded);
}

TEST(OpenAiResponse, RequestBodies) {
  GenerationRequest r;
  r.prompt = "p";
  r.decoding.max_new_tokens = 9;
  r.decoding.seed = 4;
  r.decoding.stop = {"\n"};
  nlohmann::json c = nlohmann::json::parse(BuildCompletionRequestBody(r, "m", true));
  EXPECT_EQ(c["model"], "m");
  EXPECT_EQ(c["prompt"], "p");
  EXPECT_EQ(c["max_tokens"], 9);
  EXPECT_EQ(c["seed"], 4);
  EXPECT_EQ(c["logprobs"], 5);
  EXPECT_EQ(c["stop"], nlohmann::json::array({"\n"}));
  EXPECT_EQ(c["n"], 1);
  EXPECT_EQ(c["stream"], false);
  r.chat = true;
  nlohmann::json chat = nlohmann::json::parse(BuildCompletionRequestBody(r, "m", true));
  EXPECT_EQ(chat["messages"], nlohmann::json::parse(R"([{"role":"user","content":"p"}])"));
  EXPECT_EQ(chat["logprobs"], true);
  EXPECT_EQ(chat["top_logprobs"], 5);
  EXPECT_FALSE(chat.contains("prompt"));
  nlohmann::json plain = nlohmann::json::parse(BuildCompletionRequestBody(r, "m", false));
  EXPECT_FALSE(plain.contains("logprobs"));
}

TEST(OpenAiResponse, ModelListAndErrors) {
  Result<std::vector<std::string>> ids = ParseModelList(R"({"object":"list","data":[{"id":"a"},{"id":"b"}]})", Limits());
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids.value(), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(ParseModelList(R"({"data":[{"id":1}]})", Limits()).ok());
  EXPECT_EQ(ErrorMessageFromBody(R"({"error":{"message":"bad key","type":"x"}})"), "bad key");
  EXPECT_EQ(ErrorMessageFromBody(R"({"error":"Input validation error"})"), "Input validation error");
  EXPECT_EQ(ErrorMessageFromBody("Internal Server Error"), "Internal Server Error");
}

}  // namespace
}  // namespace modelgate::eval
