#include "eval/sandbox/worker_backend.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "eval/sandbox/sandbox.h"

namespace modelgate::eval {
namespace {

namespace fs = std::filesystem;

// A fake worker: a shell script standing in for `modelgate generate`. It
// answers each request line with a fixed generation whose text names the
// line number, and records its argv, so the tests check the protocol
// without the runtime.
class FakeWorker {
 public:
  explicit FakeWorker(const std::string& body) {
    dir_ = fs::temp_directory_path() / ("modelgate_worker_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(counter_++));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "model");
    script_ = dir_ / "worker.sh";
    std::ofstream(script_) << "#!/bin/sh\n" << body;
    ::chmod(script_.c_str(), 0755);
  }
  ~FakeWorker() { fs::remove_all(dir_); }
  WorkerOptions Options(bool sandbox) const {
    WorkerOptions o;
    o.executable = script_.string();
    o.model_dir = (dir_ / "model").string();
    o.sandbox = sandbox;
    o.timeout_seconds = 20;
    return o;
  }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
  fs::path script_;
};

// Echoes one generation per input line: text "gen<i> argc=<n> <args>".
constexpr const char* kEchoWorker = R"(i=0
while IFS= read -r line; do
  i=$((i+1))
  printf '{"text":"gen%d %s","prompt_tokens":%d,"completion_tokens":2,"finish_reason":"length","mean_entropy":0.5,"first_token_entropy":null}\n' $i "$1 $3 $4" $i
done
)";

std::vector<GenerationRequest> Requests(std::size_t n) {
  std::vector<GenerationRequest> r(n);
  for (std::size_t i = 0; i < n; ++i) r[i].prompt = "prompt " + std::to_string(i);
  return r;
}

void ExpectEchoed(const std::vector<Generation>& gens, std::size_t n, const std::string& args) {
  ASSERT_EQ(gens.size(), n);
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(gens[i].text, "gen" + std::to_string(i + 1) + " " + args);
    EXPECT_EQ(gens[i].prompt_tokens, i + 1);
    EXPECT_EQ(gens[i].completion_tokens, 2u);
    EXPECT_EQ(gens[i].finish_reason, "length");
    EXPECT_DOUBLE_EQ(gens[i].mean_entropy, 0.5);
    EXPECT_TRUE(std::isnan(gens[i].first_token_entropy));
  }
}

TEST(WorkerBackend, UnsandboxedRoundTrip) {
  FakeWorker worker(kEchoWorker);
  WorkerOptions o = worker.Options(false);
  o.threads = 3;
  Result<std::unique_ptr<Backend>> b = OpenWorkerBackend(o, Limits());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  std::vector<GenerationRequest> req = Requests(5);
  Result<std::vector<Generation>> gens = b.value()->Generate(req);
  ASSERT_TRUE(gens.ok()) << gens.status().ToString();
  ExpectEchoed(gens.value(), 5, "generate --threads 3");
}

TEST(WorkerBackend, SandboxedRoundTripInChunks) {
  if (!SandboxAvailable().ok()) GTEST_SKIP() << SandboxAvailable().ToString();
  FakeWorker worker(kEchoWorker);
  Limits limits;
  limits.max_batch_sequences = 2;  // 5 requests -> 3 worker runs, numbering restarts
  Result<std::unique_ptr<Backend>> b = OpenWorkerBackend(worker.Options(true), limits);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_NE(b.value()->Describe().find("sandboxed worker:"), std::string::npos);
  std::vector<GenerationRequest> req = Requests(5);
  Result<std::vector<Generation>> gens = b.value()->Generate(req);
  ASSERT_TRUE(gens.ok()) << gens.status().ToString();
  ASSERT_EQ(gens->size(), 5u);
  const char* expected[] = {"gen1 generate  ", "gen2 generate  ", "gen1 generate  ", "gen2 generate  ",
                            "gen1 generate  "};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(gens.value()[i].text, expected[i]);
}

TEST(WorkerBackend, SandboxedWorkerCannotWriteTheModelFolder) {
  if (!SandboxAvailable().ok()) GTEST_SKIP() << SandboxAvailable().ToString();
  FakeWorker worker("touch \"$2/planted\" || exit 9\n");
  WorkerOptions o = worker.Options(true);
  Result<std::unique_ptr<Backend>> b = OpenWorkerBackend(o, Limits());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  std::vector<GenerationRequest> req = Requests(1);
  Result<std::vector<Generation>> gens = b.value()->Generate(req);
  ASSERT_FALSE(gens.ok());
  EXPECT_EQ(gens.status().code(), StatusCode::kIOError);
  EXPECT_NE(gens.status().message().find("exit code 9"), std::string::npos) << gens.status().message();
  EXPECT_NE(gens.status().message().find("Read-only file system"), std::string::npos) << gens.status().message();
  EXPECT_FALSE(fs::exists(fs::path(o.model_dir) / "planted"));
}

TEST(WorkerBackend, NonZeroExitCarriesTheStderrTail) {
  FakeWorker worker("echo 'config.json: unsupported architecture' >&2; exit 2\n");
  Result<std::unique_ptr<Backend>> b = OpenWorkerBackend(worker.Options(false), Limits());
  ASSERT_TRUE(b.ok());
  std::vector<GenerationRequest> req = Requests(1);
  Result<std::vector<Generation>> gens = b.value()->Generate(req);
  ASSERT_FALSE(gens.ok());
  EXPECT_EQ(gens.status().message(), "worker: exit code 2; stderr: config.json: unsupported architecture");
}

TEST(WorkerBackend, MalformedOutputIsCorruption) {
  FakeWorker worker("cat >/dev/null; echo '{\"text\": 5, \"finish_reason\": \"stop\"}'\n");
  Result<std::unique_ptr<Backend>> b = OpenWorkerBackend(worker.Options(false), Limits());
  ASSERT_TRUE(b.ok());
  std::vector<GenerationRequest> req = Requests(1);
  Result<std::vector<Generation>> gens = b.value()->Generate(req);
  ASSERT_FALSE(gens.ok());
  EXPECT_EQ(gens.status().code(), StatusCode::kCorruption);
  EXPECT_NE(gens.status().message().find("line 1: 'text' is not a string"), std::string::npos);
}

TEST(WorkerBackend, TooFewGenerationsIsCorruption) {
  FakeWorker worker(
      "cat >/dev/null; echo '{\"text\":\"a\",\"finish_reason\":\"stop\"}'\n");
  Result<std::unique_ptr<Backend>> b = OpenWorkerBackend(worker.Options(false), Limits());
  ASSERT_TRUE(b.ok());
  std::vector<GenerationRequest> req = Requests(3);
  Result<std::vector<Generation>> gens = b.value()->Generate(req);
  ASSERT_FALSE(gens.ok());
  EXPECT_NE(gens.status().message().find("1 generations for 3 requests"), std::string::npos);
}

TEST(WorkerBackend, TimeoutIsLimitExceeded) {
  FakeWorker worker("sleep 30\n");
  WorkerOptions o = worker.Options(false);
  o.timeout_seconds = 1;
  Result<std::unique_ptr<Backend>> b = OpenWorkerBackend(o, Limits());
  ASSERT_TRUE(b.ok());
  std::vector<GenerationRequest> req = Requests(1);
  Result<std::vector<Generation>> gens = b.value()->Generate(req);
  ASSERT_FALSE(gens.ok());
  EXPECT_EQ(gens.status().code(), StatusCode::kLimitExceeded);
}

TEST(WorkerBackend, RefusesMissingModelFolder) {
  WorkerOptions o;
  o.model_dir = "/nonexistent/model";
  o.sandbox = false;
  Result<std::unique_ptr<Backend>> b = OpenWorkerBackend(o, Limits());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace modelgate::eval
