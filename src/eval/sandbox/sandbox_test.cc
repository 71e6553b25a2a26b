#include "eval/sandbox/sandbox.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace modelgate::eval {
namespace {

namespace fs = std::filesystem;

#define SKIP_WITHOUT_SANDBOX()                                             \
  do {                                                                     \
    Status st = SandboxAvailable();                                        \
    if (!st.ok()) GTEST_SKIP() << "no sandbox here: " << st.ToString();    \
  } while (0)

// A TCP listener on 127.0.0.1:<ephemeral> in the test process. connect()
// completes from the backlog without accept().
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("modelgate_sandbox_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<std::string> BashConnect(int port) {
  return {"/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port) + " && echo connected"};
}

TEST(RunUnsandboxed, FeedsStdinAndCollectsBothStreams) {
  Result<ProcessOutput> r = RunUnsandboxed({"/bin/sh", "-c", "tr a-z A-Z; echo oops >&2; exit 3"}, "hello\n", 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->out, "HELLO\n");
  EXPECT_EQ(r->err, "oops\n");
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->timed_out);
}

TEST(RunUnsandboxed, LargeInputAndOutputDoNotDeadlock) {
  // 4 MiB through `cat`: more than any pipe buffer in both directions.
  std::string input(4u << 20, 'x');
  Result<ProcessOutput> r = RunUnsandboxed({"cat"}, input, 30);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out.size(), input.size());
}

TEST(RunUnsandboxed, TimeoutKillsTheProcessGroup) {
  const auto start = std::chrono::steady_clock::now();
  // The grandchild `sleep` holds stdout open: only a group kill ends it.
  Result<ProcessOutput> r = RunUnsandboxed({"/bin/sh", "-c", "sleep 30 & sleep 30"}, "", 1);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->exit_code, -1);
  EXPECT_EQ(r->signal, SIGKILL);
  EXPECT_LT(seconds, 10.0);
}

TEST(RunUnsandboxed, MissingExecutableIsExit127) {
  Result<ProcessOutput> r = RunUnsandboxed({"/nonexistent/modelgate-worker"}, "", 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 127);
  EXPECT_NE(r->err.find("exec failed"), std::string::npos);
}

TEST(RunUnsandboxed, ChildThatIgnoresStdinIsNotAnError) {
  Result<ProcessOutput> r = RunUnsandboxed({"true"}, std::string(1u << 20, 'x'), 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0);
}

TEST(RunSandboxed, OutputPastTheBoundKillsTheChild) {
  SKIP_WITHOUT_SANDBOX();
  SandboxPolicy policy;
  policy.max_output_bytes = 1000;
  policy.timeout_seconds = 20;
  Result<ProcessOutput> r = RunSandboxed({"/bin/sh", "-c", "yes"}, "", policy);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->output_truncated);
  EXPECT_EQ(r->out.size(), 1000u);
  EXPECT_FALSE(r->timed_out);
}

TEST(RunSandboxed, BlocksTcpConnectToTheHostLoopback) {
  SKIP_WITHOUT_SANDBOX();
  Listener listener;
  // Reachable from outside the sandbox ...
  Result<ProcessOutput> outside = RunUnsandboxed(BashConnect(listener.port()), "", 10);
  ASSERT_TRUE(outside.ok());
  EXPECT_EQ(outside->exit_code, 0) << outside->err;
  EXPECT_EQ(outside->out, "connected\n");
  // ... and not from inside: a fresh network namespace has no route to it.
  SandboxPolicy policy;
  policy.timeout_seconds = 20;
  Result<ProcessOutput> inside = RunSandboxed(BashConnect(listener.port()), "", policy);
  ASSERT_TRUE(inside.ok()) << inside.status().ToString();
  EXPECT_NE(inside->exit_code, 0);
  EXPECT_EQ(inside->out, "");
  EXPECT_NE(inside->err.find("/dev/tcp/127.0.0.1"), std::string::npos) << inside->err;
}

TEST(RunSandboxed, AllowNetworkSharesTheHostNetwork) {
  SKIP_WITHOUT_SANDBOX();
  Listener listener;
  SandboxPolicy policy;
  policy.allow_network = true;
  policy.timeout_seconds = 20;
  Result<ProcessOutput> r = RunSandboxed(BashConnect(listener.port()), "", policy);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0) << r->err;
  EXPECT_EQ(r->out, "connected\n");
}

TEST(RunSandboxed, ReadOnlyPathIsReadableButNotWritable) {
  SKIP_WITHOUT_SANDBOX();
  const fs::path dir = TempDir("ro");
  std::ofstream(dir / "weights.txt") << "model bytes\n";
  SandboxPolicy policy;
  policy.read_only = {dir.string()};
  policy.timeout_seconds = 20;
  const std::string script = "cat " + (dir / "weights.txt").string() + "; echo pwned > " +
                             (dir / "dropped").string() + " && echo wrote; rm -f " +
                             (dir / "weights.txt").string() + " 2>/dev/null && echo removed; exit 0";
  Result<ProcessOutput> r = RunSandboxed({"/bin/sh", "-c", script}, "", policy);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->out, "model bytes\n");
  EXPECT_NE(r->err.find("Read-only file system"), std::string::npos) << r->err;
  EXPECT_FALSE(fs::exists(dir / "dropped"));
  EXPECT_TRUE(fs::exists(dir / "weights.txt"));
  fs::remove_all(dir);
}

TEST(RunSandboxed, PrivateTmpAndNoHostFiles) {
  SKIP_WITHOUT_SANDBOX();
  const fs::path dir = TempDir("hidden");  // under the host's /tmp, not bound
  std::ofstream(dir / "secret") << "s3cret\n";
  SandboxPolicy policy;
  policy.timeout_seconds = 20;
  const std::string script = "pwd; ls -A /tmp | wc -l; cat " + (dir / "secret").string() +
                             " 2>/dev/null || echo hidden; ls /work /home /root 2>/dev/null | wc -l";
  Result<ProcessOutput> r = RunSandboxed({"/bin/sh", "-c", script}, "", policy);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->out, "/tmp\n0\nhidden\n0\n") << r->err;
  fs::remove_all(dir);
}

TEST(RunSandboxed, EnvironmentHoldsOnlyPathAndPwd) {
  SKIP_WITHOUT_SANDBOX();
  ::setenv("MODELGATE_TEST_SECRET", "token-123", 1);
  SandboxPolicy policy;
  policy.timeout_seconds = 20;
  Result<ProcessOutput> r = RunSandboxed({"/usr/bin/env"}, "", policy);
  ::unsetenv("MODELGATE_TEST_SECRET");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->out, "PATH=/usr/bin:/bin\nPWD=/tmp\n");  // bwrap --chdir sets PWD
}

TEST(RunSandboxed, TimeoutKillsTheSandbox) {
  SKIP_WITHOUT_SANDBOX();
  SandboxPolicy policy;
  policy.timeout_seconds = 1;
  const auto start = std::chrono::steady_clock::now();
  Result<ProcessOutput> r = RunSandboxed({"/bin/sh", "-c", "sleep 60"}, "", policy);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->timed_out);
  EXPECT_LT(seconds, 10.0);
}

TEST(RunSandboxed, RefusesRelativeOrMissingReadOnlyPaths) {
  SandboxPolicy policy;
  policy.read_only = {"relative/model"};
  Result<ProcessOutput> r = RunSandboxed({"true"}, "", policy);
  if (SandboxAvailable().ok()) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  policy.read_only = {"/nonexistent/model"};
  r = RunSandboxed({"true"}, "", policy);
  if (SandboxAvailable().ok()) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ProbeSandbox, RecordsWhatSucceedsOutsideTheSandbox) {
  Listener listener;
  const fs::path dir = TempDir("probe");
  ::setenv("MODELGATE_TEST_SECRET", "x", 1);
  SandboxProbeReport report =
      ProbeSandbox({"127.0.0.1:" + std::to_string(listener.port()), "not-a-target"}, {dir.string()});
  ::unsetenv("MODELGATE_TEST_SECRET");
  ASSERT_GE(report.attempts.size(), 5u);
  EXPECT_EQ(report.attempts[0].what, "tcp connect 127.0.0.1:" + std::to_string(listener.port()));
  EXPECT_FALSE(report.attempts[0].blocked) << report.attempts[0].result;
  EXPECT_EQ(report.attempts[0].result, "succeeded");
  EXPECT_TRUE(report.attempts[1].blocked);
  EXPECT_EQ(report.attempts[1].result, "not a numeric host:port");
  EXPECT_EQ(report.attempts[2].what, "udp dns query 8.8.8.8:53");
  EXPECT_EQ(report.attempts[3].what.rfind("write " + dir.string() + "/", 0), 0u);
  EXPECT_FALSE(report.attempts[3].blocked);
  EXPECT_TRUE(fs::is_empty(dir));  // the probe file is removed again
  bool saw_secret = false;
  for (const ProbeAttempt& a : report.attempts) saw_secret |= (a.what == "env MODELGATE_TEST_SECRET" && !a.blocked);
  EXPECT_TRUE(saw_secret);
  EXPECT_FALSE(report.AllBlocked());
  fs::remove_all(dir);
}

TEST(ProbeSandbox, ClosedPortIsBlockedWithTheErrno) {
  int port = 0;
  {
    Listener l;
    port = l.port();
  }  // closed: nothing listens there now
  SandboxProbeReport report = ProbeSandbox({"127.0.0.1:" + std::to_string(port)}, {"/nonexistent-dir"});
  EXPECT_TRUE(report.attempts[0].blocked);
  EXPECT_EQ(report.attempts[0].result, "connect: Connection refused");
  EXPECT_TRUE(report.attempts[2].blocked);
  EXPECT_EQ(report.attempts[2].result, "open: No such file or directory");
}

}  // namespace
}  // namespace modelgate::eval
