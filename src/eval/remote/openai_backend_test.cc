// The client against a scripted hostile/broken server (plain httplib):
// retries, the logprobs fallback, bounded bodies, URL checks.
#include "eval/remote/openai_backend.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace modelgate::eval {
namespace {

class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<void(const httplib::Request&, httplib::Response&)> handler) {
    server_.Post(".*", handler);
    server_.Get(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~ScriptedServer() {
    server_.stop();
    thread_.join();
  }
  std::string BaseUrl() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

Result<std::vector<Generation>> GenerateOne(const std::string& base_url, Limits limits = Limits(), int retries = 2) {
  RemoteOptions o;
  o.base_url = base_url;
  o.model = "m";
  o.retries = retries;
  o.timeout_seconds = 10;
  Result<std::unique_ptr<Backend>> b = OpenRemoteBackend(o, limits);
  if (!b.ok()) return b.status();
  std::vector<GenerationRequest> req(1);
  req[0].prompt = "p";
  return b.value()->Generate(req);
}

TEST(OpenAiBackend, RetriesOn503ThenSucceeds) {
  std::atomic<int> calls{0};
  ScriptedServer server([&](const httplib::Request&, httplib::Response& res) {
    if (++calls < 3) {
      res.status = 503;
      res.set_content("busy", "text/plain");
      return;
    }
    res.set_content(R"({"choices":[{"text":"ok","finish_reason":"stop"}]})", "application/json");
  });
  Result<std::vector<Generation>> g = GenerateOne(server.BaseUrl());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g.value()[0].text, "ok");
  EXPECT_EQ(calls.load(), 3);  // two 503s, then the answer (retries = 2)
}

TEST(OpenAiBackend, GivesUpAfterRetries) {
  std::atomic<int> calls{0};
  ScriptedServer server([&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 500;
    res.set_content(R"({"error":{"message":"CUDA out of memory"}})", "application/json");
  });
  Result<std::vector<Generation>> g = GenerateOne(server.BaseUrl(), Limits(), 1);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(g.status().message(), "remote request 0: POST /v1/completions: HTTP 500: CUDA out of memory");
}

TEST(OpenAiBackend, FallsBackWithoutLogprobsOn400) {
  std::atomic<int> with_logprobs{0};
  ScriptedServer server([&](const httplib::Request& req, httplib::Response& res) {
    if (req.body.find("\"logprobs\"") != std::string::npos) {
      ++with_logprobs;
      res.status = 400;
      res.set_content(R"({"error":{"message":"logprobs not supported"}})", "application/json");
      return;
    }
    res.set_content(R"({"choices":[{"text":"plain","finish_reason":"length"}]})", "application/json");
  });
  Result<std::vector<Generation>> g = GenerateOne(server.BaseUrl());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g.value()[0].text, "plain");
  EXPECT_EQ(g.value()[0].finish_reason, "length");
  EXPECT_EQ(with_logprobs.load(), 1);
}

TEST(OpenAiBackend, OversizedResponseIsLimitExceeded) {
  ScriptedServer server([&](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"choices":[{"text":")" + std::string(100000, 'a') + R"("}]})", "application/json");
  });
  Limits limits;
  limits.max_http_body_bytes = 4096;
  Result<std::vector<Generation>> g = GenerateOne(server.BaseUrl(), limits, 0);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kLimitExceeded);
  EXPECT_NE(g.status().message().find("response body larger than 4096 bytes"), std::string::npos)
      << g.status().message();
}

TEST(OpenAiBackend, MalformedResponseIsCorruption) {
  ScriptedServer server([&](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"choices":[{"text":["not","a","string"]}]})", "application/json");
  });
  Result<std::vector<Generation>> g = GenerateOne(server.BaseUrl());
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(g.status().message(), "remote request 0: response: choices[0].text is not a string");
}

TEST(OpenAiBackend, UnreachableServerIsIoError) {
  // A port that was free a moment ago: bound, read back, closed.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  Result<std::vector<Generation>> g = GenerateOne("http://127.0.0.1:" + std::to_string(port) + "/v1", Limits(), 0);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kIOError);
}

TEST(OpenAiBackend, RefusesBadUrls) {
  for (const char* url : {"127.0.0.1:8000/v1", "ftp://host/v1", "http:///v1", "http://user@host/v1",
                          "http://host/v1?x=1"}) {
    RemoteOptions o;
    o.base_url = url;
    Result<std::unique_ptr<Backend>> b = OpenRemoteBackend(o, Limits());
    ASSERT_FALSE(b.ok()) << url;
    EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument) << url;
  }
}

}  // namespace
}  // namespace modelgate::eval
