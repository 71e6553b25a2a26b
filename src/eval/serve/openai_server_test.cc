// The server and the remote client against each other: the OpenAI client
// from remote/ talks to OpenAiServer over real sockets on 127.0.0.1.
#include "eval/serve/openai_server.h"

#include <httplib.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "eval/remote/openai_backend.h"

namespace modelgate::eval {
namespace {

// Deterministic: text = "<prompt>|<max_new_tokens>|<seed>", prompt_tokens =
// prompt length, completion_tokens = 3, finish "length". Records the
// largest number of concurrent calls it saw.
class EchoBackend : public Backend {
 public:
  std::string Describe() const override { return "echo"; }
  Result<std::vector<Generation>> Generate(std::span<const GenerationRequest> requests) override {
    const int now = ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_.load(), now);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::vector<Generation> out;
    if (fail_) {
      --in_flight_;
      return Status::IOError("model exploded");
    }
    for (const GenerationRequest& r : requests) {
      Generation g;
      g.text = r.prompt + "|" + std::to_string(r.decoding.max_new_tokens) + "|" + std::to_string(r.decoding.seed);
      g.prompt_tokens = static_cast<std::uint32_t>(r.prompt.size());
      g.completion_tokens = 3;
      g.finish_reason = "length";
      out.push_back(g);
      ++calls_;
    }
    --in_flight_;
    return out;
  }
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
  std::atomic<int> calls_{0};
  bool fail_ = false;
};

class OpenAiServerTest : public ::testing::Test {
 protected:
  void StartServer(const std::string& key = "", Limits limits = Limits()) {
    ServeOptions o;
    o.port = 0;
    o.model_name = "tiny-coder";
    o.api_key = key;
    server_ = std::make_unique<OpenAiServer>(&backend_, o, limits);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
  }
  std::string BaseUrl() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1"; }
  std::unique_ptr<Backend> Client(const std::string& key = "", const std::string& model = "") {
    RemoteOptions o;
    o.base_url = BaseUrl();
    o.api_key = key;
    o.model = model;
    o.retries = 0;
    o.timeout_seconds = 20;
    Result<std::unique_ptr<Backend>> b = OpenRemoteBackend(o, Limits());
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? std::move(b.value()) : nullptr;
  }
  httplib::Result RawPost(const std::string& path, const std::string& body, const std::string& key = "") {
    httplib::Client c("127.0.0.1", server_->port());
    httplib::Headers h;
    if (!key.empty()) h.emplace("Authorization", "Bearer " + key);
    return c.Post(path.c_str(), h, body, "application/json");
  }
  static nlohmann::json ErrorOf(const httplib::Result& r) {
    nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
    EXPECT_TRUE(j.contains("error")) << r->body;
    return j.contains("error") ? j["error"] : nlohmann::json();
  }

  EchoBackend backend_;
  std::unique_ptr<OpenAiServer> server_;
};

TEST_F(OpenAiServerTest, CompletionsThroughTheRemoteClientWithModelDiscovery) {
  StartServer();
  std::unique_ptr<Backend> client = Client();
  ASSERT_NE(client, nullptr);
  std::vector<GenerationRequest> req(8);
  for (std::size_t i = 0; i < req.size(); ++i) {
    req[i].prompt = "def f" + std::to_string(i) + "():";
    req[i].decoding.max_new_tokens = 7;
    req[i].decoding.seed = 100 + i;
  }
  Result<std::vector<Generation>> gens = client->Generate(req);
  ASSERT_TRUE(gens.ok()) << gens.status().ToString();
  ASSERT_EQ(gens->size(), 8u);
  for (std::size_t i = 0; i < req.size(); ++i) {
    const Generation& g = gens.value()[i];
    EXPECT_EQ(g.text, req[i].prompt + "|7|" + std::to_string(100 + i));
    EXPECT_EQ(g.prompt_tokens, req[i].prompt.size());
    EXPECT_EQ(g.completion_tokens, 3u);
    EXPECT_EQ(g.finish_reason, "length");
    EXPECT_TRUE(std::isnan(g.mean_entropy));  // the server sends no logprobs
  }
  EXPECT_EQ(client->Describe(), BaseUrl() + " model=tiny-coder");
  EXPECT_EQ(backend_.max_in_flight_.load(), 1);  // 4 client threads, serialised backend
}

TEST_F(OpenAiServerTest, ChatUsesThePlainTemplate) {
  StartServer();
  std::unique_ptr<Backend> client = Client("", "tiny-coder");
  std::vector<GenerationRequest> req(1);
  req[0].prompt = "write a GET";
  req[0].chat = true;
  req[0].decoding.max_new_tokens = 5;
  Result<std::vector<Generation>> gens = client->Generate(req);
  ASSERT_TRUE(gens.ok()) << gens.status().ToString();
  EXPECT_EQ(gens.value()[0].text, "user: write a GET\nassistant: |5|0");

  httplib::Result r = RawPost("/v1/chat/completions", R"({"messages":[{"role":"system","content":"be safe"},
      {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}],"max_tokens":2})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  nlohmann::json j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "tiny-coder");
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "system: be safe\nuser: ab\nassistant: |2|0");
  EXPECT_EQ(j["usage"]["total_tokens"], 36 + 3);
}

TEST_F(OpenAiServerTest, PromptArrayGivesOneChoiceEach) {
  StartServer();
  httplib::Result r = RawPost("/v1/completions", R"({"prompt":["a","bb"],"max_tokens":1,"seed":-1})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  nlohmann::json j = nlohmann::json::parse(r->body);
  ASSERT_EQ(j["choices"].size(), 2u);
  EXPECT_EQ(j["choices"][0]["text"], "a|1|18446744073709551615");
  EXPECT_EQ(j["choices"][1]["index"], 1);
  EXPECT_EQ(j["choices"][1]["text"], "bb|1|18446744073709551615");
  EXPECT_EQ(j["usage"]["prompt_tokens"], 3);
  EXPECT_EQ(j["usage"]["completion_tokens"], 6);
}

TEST_F(OpenAiServerTest, StreamsServerSentEvents) {
  StartServer();
  httplib::Result r = RawPost("/v1/completions", R"({"prompt":"x","max_tokens":4,"stream":true})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  const std::string& b = r->body;
  ASSERT_GE(b.size(), 14u);
  EXPECT_EQ(b.substr(b.size() - 14), "data: [DONE]\n\n");
  std::vector<nlohmann::json> events;
  std::size_t pos = 0;
  while ((pos = b.find("data: {", pos)) != std::string::npos) {
    const std::size_t end = b.find("\n\n", pos);
    events.push_back(nlohmann::json::parse(b.substr(pos + 6, end - pos - 6)));
    pos = end;
  }
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["choices"][0]["text"], "x|4|0");
  EXPECT_TRUE(events[0]["choices"][0]["finish_reason"].is_null());
  EXPECT_EQ(events[1]["choices"][0]["finish_reason"], "length");

  r = RawPost("/v1/chat/completions", R"({"messages":[{"role":"user","content":"q"}],"stream":true})");
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find(R"("delta":{"content":"user: q\nassistant: |16|0","role":"assistant"})"), std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find(R"("object":"chat.completion.chunk")"), std::string::npos);
}

TEST_F(OpenAiServerTest, WrongOrMissingKeyIs401) {
  StartServer("s3cret");
  std::unique_ptr<Backend> bad = Client("guess", "tiny-coder");
  std::vector<GenerationRequest> req(1);
  req[0].prompt = "p";
  Result<std::vector<Generation>> gens = bad->Generate(req);
  ASSERT_FALSE(gens.ok());
  EXPECT_NE(gens.status().message().find("HTTP 401: Incorrect API key provided."), std::string::npos)
      << gens.status().message();
  httplib::Client c("127.0.0.1", server_->port());
  httplib::Result models = c.Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 401);
  EXPECT_EQ(ErrorOf(models)["code"], "invalid_api_key");
  EXPECT_EQ(backend_.calls_.load(), 0);

  std::unique_ptr<Backend> good = Client("s3cret");  // discovery also authenticates
  gens = good->Generate(req);
  ASSERT_TRUE(gens.ok()) << gens.status().ToString();
  EXPECT_EQ(gens.value()[0].text, "p|64|0");
}

TEST_F(OpenAiServerTest, BadRequestsGetOpenAiErrors) {
  StartServer();
  struct Case {
    const char* path;
    const char* body;
    int status;
    const char* message;
  };
  const Case cases[] = {
      {"/v1/completions", "{not json", 400, "request body is not valid JSON"},
      {"/v1/completions", "[1]", 400, "request body must be a JSON object"},
      {"/v1/completions", R"({"max_tokens":3})", 400, "'prompt' is required"},
      {"/v1/completions", R"({"prompt":[1,2]})", 400,
       "'prompt' must be a string or an array of strings (token ids are not supported)"},
      {"/v1/completions", R"({"prompt":"a","max_tokens":"3"})", 400, "'max_tokens' must be a non-negative integer"},
      {"/v1/completions", R"({"prompt":"a","max_tokens":100000})", 400,
       "'max_tokens' is 100000, more than this server's 4096"},
      {"/v1/completions", R"({"prompt":"a","temperature":3})", 400, "'temperature' is out of range"},
      {"/v1/completions", R"({"prompt":"a","n":2})", 400, "only n = 1 is supported"},
      {"/v1/completions", R"({"prompt":"a","stream":"yes"})", 400, "'stream' must be a boolean"},
      {"/v1/chat/completions", R"({"messages":[]})", 400, "'messages' must be a non-empty array"},
      {"/v1/chat/completions", R"({"messages":[{"content":"x"}]})", 400, "each message needs a string 'role'"},
      {"/v1/completions", R"({"prompt":"a","model":"other"})", 404, "The model 'other' does not exist."},
      {"/v1/embeddings", R"({"input":"a"})", 404, "Unknown endpoint."},
  };
  for (const Case& c : cases) {
    httplib::Result r = RawPost(c.path, c.body);
    ASSERT_TRUE(r) << c.body;
    EXPECT_EQ(r->status, c.status) << c.body;
    EXPECT_EQ(ErrorOf(r)["message"], c.message) << c.body;
  }
  httplib::Result deep = RawPost("/v1/completions", std::string(100, '[') + std::string(100, ']'));
  ASSERT_TRUE(deep);
  EXPECT_EQ(deep->status, 400);
  EXPECT_EQ(ErrorOf(deep)["message"], "request JSON nested too deeply");
  EXPECT_EQ(backend_.calls_.load(), 0);
}

TEST_F(OpenAiServerTest, OversizedBodyIs413) {
  Limits limits;
  limits.max_http_body_bytes = 1000;
  StartServer("", limits);
  httplib::Result r = RawPost("/v1/completions", R"({"prompt":")" + std::string(2000, 'a') + "\"}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(ErrorOf(r)["message"], "Request body too large.");
  EXPECT_EQ(backend_.calls_.load(), 0);
}

TEST_F(OpenAiServerTest, BackendFailureIs500AndAClientError) {
  StartServer();
  backend_.fail_ = true;
  std::unique_ptr<Backend> client = Client("", "tiny-coder");
  std::vector<GenerationRequest> req(1);
  Result<std::vector<Generation>> gens = client->Generate(req);
  ASSERT_FALSE(gens.ok());
  EXPECT_EQ(gens.status().code(), StatusCode::kIOError);
  EXPECT_NE(gens.status().message().find("HTTP 500: generation failed: model exploded"), std::string::npos)
      << gens.status().message();
}

TEST_F(OpenAiServerTest, WaitReturnsAfterStop) {
  StartServer();
  std::thread stopper([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    server_->Stop();
  });
  server_->Wait();
  stopper.join();
  httplib::Client c("127.0.0.1", server_->port());
  c.set_connection_timeout(1, 0);
  EXPECT_FALSE(c.Get("/v1/models"));
}

TEST(OpenAiServer, BindFailureIsIoError) {
  EchoBackend backend;
  ServeOptions o;
  o.port = 0;
  OpenAiServer first(&backend, o, Limits());
  ASSERT_TRUE(first.Start().ok());
  o.port = first.port();
  OpenAiServer second(&backend, o, Limits());
  Status st = second.Start();
  EXPECT_EQ(st.code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace modelgate::eval
