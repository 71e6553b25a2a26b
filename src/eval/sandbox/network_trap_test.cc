#include "eval/sandbox/network_trap.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

namespace modelgate::eval {
namespace {

// The filter is permanent, so it is installed in a forked child; the child
// reports through its exit code which check failed (0 = all passed).
int RunTrapChecks() {
  Status st = InstallNetworkTrap();
  if (st.code() == StatusCode::kNotSupported) return 100;
  if (!st.ok()) return 101;
  if (NetworkAttemptsTrapped() != 0) return 1;
  errno = 0;
  if (::socket(AF_INET, SOCK_STREAM, 0) != -1 || errno != EACCES) return 2;
  errno = 0;
  if (::socket(AF_INET6, SOCK_DGRAM, 0) != -1 || errno != EACCES) return 3;
  errno = 0;
  if (::socket(AF_NETLINK, SOCK_RAW, 0) != -1 || errno != EACCES) return 4;
  if (::socket(AF_PACKET, SOCK_RAW, 0) != -1 || errno != EACCES) return 5;
  if (NetworkAttemptsTrapped() != 4) return 6;
  // Local sockets still work (the runtime's threads never need them, but
  // libc may), and are not counted.
  int unix_fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (unix_fd < 0) return 7;
  ::close(unix_fd);
  if (NetworkAttemptsTrapped() != 4) return 8;
  // Ordinary system calls are untouched.
  if (::getpid() <= 0) return 9;
  return 0;
}

TEST(NetworkTrap, RefusesAndCountsNetworkSocketsInAChild) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) ::_exit(RunTrapChecks());
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status);
  if (WEXITSTATUS(status) == 100) GTEST_SKIP() << "seccomp trap not built for this architecture";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "check " << WEXITSTATUS(status) << " failed (101 = install failed)";
}

TEST(NetworkTrap, ParentIsNotAffected) {
  // The filter above lived in the child only.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  if (fd >= 0) ::close(fd);
  EXPECT_EQ(NetworkAttemptsTrapped(), 0u);
}

}  // namespace
}  // namespace modelgate::eval
