// Bubblewrap command line and the availability check. The namespaces come
// from bwrap (--unshare-all: user, mount, pid, net, ipc, uts, cgroup); we
// add the file-system view: system directories read-only, the policy's
// paths read-only at the same place, a private /tmp, and nothing else.
#include "eval/sandbox/sandbox.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "eval/sandbox/process.h"

namespace modelgate::eval {
namespace {

// Directories programs need to run (dynamic loader, libraries, Python for
// bandit, /etc for ld.so.cache and alternatives). Merged-/usr systems have
// /lib, /bin ... as symlinks into /usr; those are recreated as symlinks.
constexpr const char* kSystemPaths[] = {"/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin", "/etc"};

std::string FindBwrap() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "";
  dirs += ":/usr/bin:/bin";
  std::size_t start = 0;
  while (start < dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    if (end > start) {
      std::string candidate = dirs.substr(start, end - start) + "/bwrap";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return "";
}

Result<std::vector<std::string>> BwrapCommand(const std::string& bwrap, const std::vector<std::string>& argv,
                                              const SandboxPolicy& policy) {
  std::vector<std::string> cmd = {bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"};
  if (policy.allow_network) cmd.push_back("--share-net");
  for (const char* p : kSystemPaths) {
    struct stat st;
    if (::lstat(p, &st) != 0) continue;
    if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      const ssize_t n = ::readlink(p, target, sizeof target - 1);
      if (n <= 0) continue;
      cmd.insert(cmd.end(), {"--symlink", std::string(target, static_cast<std::size_t>(n)), p});
    } else if (S_ISDIR(st.st_mode)) {
      cmd.insert(cmd.end(), {"--ro-bind", p, p});
    }
  }
  cmd.insert(cmd.end(), {"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"});
  // After --tmpfs /tmp, so paths under /tmp stay visible.
  for (const std::string& p : policy.read_only) {
    if (p.empty() || p[0] != '/') {
      return Status::InvalidArgument("sandbox: read-only path must be absolute: '" + p + "'");
    }
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) return Status::InvalidArgument("sandbox: read-only path does not exist: " + p);
    cmd.insert(cmd.end(), {"--ro-bind", p, p});
  }
  cmd.insert(cmd.end(), {"--chdir", "/tmp", "--setenv", "PATH", "/usr/bin:/bin", "--"});
  cmd.insert(cmd.end(), argv.begin(), argv.end());
  return cmd;
}

Status CheckSandbox() {
  const std::string bwrap = FindBwrap();
  if (bwrap.empty()) {
    return Status::NotSupported("sandbox: bubblewrap (bwrap) is not installed (Debian package 'bubblewrap')");
  }
  SandboxPolicy policy;
  policy.timeout_seconds = 30;
  Result<std::vector<std::string>> cmd = BwrapCommand(bwrap, {"true"}, policy);
  if (!cmd.ok()) return cmd.status();
  ProcessLimits limits;
  limits.timeout_seconds = policy.timeout_seconds;
  limits.max_output_bytes = 64u << 10;
  Result<ProcessOutput> run = RunProcess(cmd.value(), "", limits);
  if (!run.ok()) return run.status();
  if (run->exit_code != 0) {
    std::string why = run->err;
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
    return Status::NotSupported("sandbox: bwrap cannot create its namespaces here (user namespaces disabled?): " +
                                (why.empty() ? "exit code " + std::to_string(run->exit_code) : why));
  }
  return Status::Ok();
}

}  // namespace

Status SandboxAvailable() {
  static const Status cached = CheckSandbox();  // thread-safe initialisation
  return cached;
}

Result<ProcessOutput> RunSandboxed(const std::vector<std::string>& argv, const std::string& input,
                                   const SandboxPolicy& policy) {
  if (argv.empty()) return Status::InvalidArgument("sandbox: empty command line");
  const std::string bwrap = FindBwrap();
  if (bwrap.empty()) return Status::NotSupported("sandbox: bubblewrap (bwrap) is not installed");
  Result<std::vector<std::string>> cmd = BwrapCommand(bwrap, argv, policy);
  if (!cmd.ok()) return cmd.status();
  ProcessLimits limits;
  limits.timeout_seconds = policy.timeout_seconds;
  limits.max_output_bytes = policy.max_output_bytes;
  return RunProcess(cmd.value(), input, limits);
}

Result<ProcessOutput> RunUnsandboxed(const std::vector<std::string>& argv, const std::string& input,
                                     int timeout_seconds) {
  ProcessLimits limits;
  limits.timeout_seconds = timeout_seconds;
  return RunProcess(argv, input, limits);
}

}  // namespace modelgate::eval
