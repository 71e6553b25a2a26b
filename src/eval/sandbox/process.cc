// fork/exec + poll. Everything the child needs (argv pointers, the resolved
// executable path) is prepared before fork, because after fork in a
// multi-threaded process only async-signal-safe calls are allowed.
#include "eval/sandbox/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace modelgate::eval {
namespace {

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// The PATH lookup execvp would do, done in the parent.
std::string ResolveExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return name;  // exec fails and the child reports it
}

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

struct Pipes {
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  ~Pipes() {
    for (int* p : {in, out, err}) {
      CloseFd(p[0]);
      CloseFd(p[1]);
    }
  }
};

// Child side: wire the pipes, new process group, exec. Only
// async-signal-safe calls.
[[noreturn]] void ExecChild(Pipes& pipes, const char* path, char* const* argv) {
  ::setpgid(0, 0);
  ::dup2(pipes.in[0], 0);
  ::dup2(pipes.out[1], 1);
  ::dup2(pipes.err[1], 2);
  ::close_range(3, ~0u, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  ::execv(path, argv);
  const char* reason = std::strerror(errno);  // glibc: a static table, safe enough here
  const char prefix[] = "exec failed: ";
  (void)!::write(2, prefix, sizeof prefix - 1);
  (void)!::write(2, path, std::strlen(path));
  (void)!::write(2, ": ", 2);
  (void)!::write(2, reason, std::strlen(reason));
  (void)!::write(2, "\n", 1);
  ::_exit(127);
}

// Writes to the child's stdin with SIGPIPE blocked on this thread; a
// pending SIGPIPE raised by our write is consumed before unblocking.
ssize_t WriteNoSigpipe(int fd, const char* data, std::size_t n) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  ssize_t w = ::write(fd, data, n);
  int saved = errno;
  if (w < 0 && saved == EPIPE) {
    struct timespec zero = {0, 0};
    while (::sigtimedwait(&pipe_set, nullptr, &zero) == -1 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return w;
}

}  // namespace

Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, const std::string& input,
                                 const ProcessLimits& limits) {
  if (argv.empty()) return Status::InvalidArgument("run: empty command line");
  const std::string path = ResolveExecutable(argv[0]);
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  cargv.reserve(args.size() + 1);
  for (std::string& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  Pipes pipes;
  for (int* p : {pipes.in, pipes.out, pipes.err}) {
    if (::pipe2(p, O_CLOEXEC) != 0) return Status::IOError(Errno("run: pipe"));
  }
  const pid_t pid = ::fork();
  if (pid < 0) return Status::IOError(Errno("run: fork"));
  if (pid == 0) ExecChild(pipes, path.c_str(), cargv.data());
  // Also set the group from the parent, so a kill right after fork reaches
  // the child even if it has not run setpgid yet.
  ::setpgid(pid, pid);
  CloseFd(pipes.in[0]);
  CloseFd(pipes.out[1]);
  CloseFd(pipes.err[1]);
  for (int fd : {pipes.in[1], pipes.out[0], pipes.err[0]}) ::fcntl(fd, F_SETFL, O_NONBLOCK);

  ProcessOutput result;
  std::size_t written = 0;
  if (input.empty()) CloseFd(pipes.in[1]);
  const auto start = std::chrono::steady_clock::now();
  bool killed = false;
  std::chrono::steady_clock::time_point killed_at;
  auto kill_group = [&] {
    if (!killed) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      killed = true;
      killed_at = std::chrono::steady_clock::now();
    }
  };
  // After a kill, a descendant that left the process group (setsid) could
  // keep the pipes open forever; stop reading after this grace period.
  constexpr auto kKillGrace = std::chrono::seconds(2);
  char buf[65536];
  while (pipes.out[0] >= 0 || pipes.err[0] >= 0) {
    int wait_ms = -1;
    if (limits.timeout_seconds > 0 && !killed) {
      const auto elapsed = std::chrono::steady_clock::now() - start;
      const long long left =
          limits.timeout_seconds * 1000LL -
          std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
      if (left <= 0) {
        result.timed_out = true;
        kill_group();
      } else {
        wait_ms = static_cast<int>(std::min<long long>(left, 1000));
      }
    }
    if (killed) {
      if (std::chrono::steady_clock::now() - killed_at > kKillGrace) break;
      wait_ms = 100;
    }
    struct pollfd fds[3];
    nfds_t n = 0;
    int* owners[3];
    for (int* fd : {&pipes.out[0], &pipes.err[0], &pipes.in[1]}) {
      if (*fd < 0) continue;
      fds[n].fd = *fd;
      fds[n].events = (fd == &pipes.in[1]) ? POLLOUT : POLLIN;
      fds[n].revents = 0;
      owners[n++] = fd;
    }
    const int ready = ::poll(fds, n, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      kill_group();
      break;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      int* fd = owners[i];
      if (fd == &pipes.in[1]) {
        const ssize_t w = WriteNoSigpipe(*fd, input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) CloseFd(pipes.in[1]);
        continue;
      }
      std::string& sink = (fd == &pipes.out[0]) ? result.out : result.err;
      const ssize_t r = ::read(*fd, buf, sizeof buf);
      if (r > 0) {
        const std::uint64_t room = limits.max_output_bytes - std::min<std::uint64_t>(sink.size(), limits.max_output_bytes);
        sink.append(buf, static_cast<std::size_t>(std::min<std::uint64_t>(room, static_cast<std::uint64_t>(r))));
        if (static_cast<std::uint64_t>(r) > room) {
          result.output_truncated = true;
          kill_group();
          CloseFd(*fd);
        }
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        CloseFd(*fd);
      }
    }
  }
  CloseFd(pipes.in[1]);
  CloseFd(pipes.out[0]);
  CloseFd(pipes.err[0]);
  // Both output pipes are closed: the child (and anything that inherited
  // them) has exited or was killed. The group is killed once more so a
  // grandchild that closed its outputs cannot linger past a timeout.
  if (killed) ::kill(-pid, SIGKILL);
  int status = 0;
  for (;;) {
    if (limits.timeout_seconds > 0 && !killed) {
      // Outputs closed but the child may still run (it closed them itself).
      const pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) break;
      if (w < 0 && errno != EINTR) return Status::IOError(Errno("run: waitpid"));
      const auto elapsed = std::chrono::steady_clock::now() - start;
      if (elapsed >= std::chrono::seconds(limits.timeout_seconds)) {
        result.timed_out = true;
        kill_group();
        continue;
      }
      ::usleep(10000);
      continue;
    }
    const pid_t w = ::waitpid(pid, &status, 0);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) return Status::IOError(Errno("run: waitpid"));
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = -1;
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace modelgate::eval
