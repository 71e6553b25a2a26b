// ProbeSandbox: tries what a hostile payload would try first (reach the
// network, resolve a name, drop a file next to the model, read secrets from
// the environment) and records each attempt. Every network attempt is
// non-blocking with a short poll() so a filtered network (packets dropped,
// not refused) cannot stall the probe.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "eval/sandbox/sandbox.h"

extern char** environ;

namespace modelgate::eval {
namespace {

constexpr int kConnectTimeoutMs = 2000;
constexpr int kDnsTimeoutMs = 1000;

std::string ErrnoText(int err) { return std::strerror(err); }

// "1.2.3.4:80" or "[::1]:80" -> sockaddr. Numeric only: the probe must not
// depend on (or trigger) name resolution.
bool ParseTarget(const std::string& target, sockaddr_storage* addr, socklen_t* len) {
  std::string host;
  std::string port;
  if (!target.empty() && target[0] == '[') {
    const std::size_t close = target.find(']');
    if (close == std::string::npos || close + 1 >= target.size() || target[close + 1] != ':') return false;
    host = target.substr(1, close - 1);
    port = target.substr(close + 2);
  } else {
    const std::size_t colon = target.rfind(':');
    if (colon == std::string::npos) return false;
    host = target.substr(0, colon);
    port = target.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  const unsigned long p = std::stoul(port);
  if (p == 0 || p > 65535) return false;
  std::memset(addr, 0, sizeof *addr);
  auto* v4 = reinterpret_cast<sockaddr_in*>(addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(addr);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(p));
    *len = sizeof *v4;
    return true;
  }
  if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(p));
    *len = sizeof *v6;
    return true;
  }
  return false;
}

ProbeAttempt TryConnect(const std::string& target) {
  ProbeAttempt a{"tcp connect " + target, true, ""};
  sockaddr_storage addr;
  socklen_t len = 0;
  if (!ParseTarget(target, &addr, &len)) {
    a.result = "not a numeric host:port";
    return a;
  }
  const int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    a.result = "socket: " + ErrnoText(errno);
    return a;
  }
  int err = 0;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      const int r = ::poll(&p, 1, kConnectTimeoutMs);
      if (r == 0) {
        err = ETIMEDOUT;
      } else if (r < 0) {
        err = errno;
      } else {
        socklen_t elen = sizeof err;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0) err = errno;
      }
    }
  }
  ::close(fd);
  a.blocked = err != 0;
  a.result = err == 0 ? "succeeded" : "connect: " + ErrnoText(err);
  return a;
}

// A DNS query for "example.com" IN A; any reply at all means UDP egress works.
ProbeAttempt TryDns() {
  ProbeAttempt a{"udp dns query 8.8.8.8:53", true, ""};
  static const unsigned char kQuery[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                         0x00, 7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',  3,    'c',
                                         'o',  'm',  0x00, 0x00, 0x01, 0x00, 0x01};
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    a.result = "socket: " + ErrnoText(errno);
    return a;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(53);
  ::inet_pton(AF_INET, "8.8.8.8", &addr.sin_addr);
  if (::sendto(fd, kQuery, sizeof kQuery, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    a.result = "sendto: " + ErrnoText(errno);
    ::close(fd);
    return a;
  }
  pollfd p{fd, POLLIN, 0};
  const int r = ::poll(&p, 1, kDnsTimeoutMs);
  if (r > 0) {
    unsigned char reply[512];
    const ssize_t n = ::recv(fd, reply, sizeof reply, 0);
    if (n > 0) {
      a.blocked = false;
      a.result = "succeeded (reply of " + std::to_string(n) + " bytes)";
    } else {
      a.result = "recv: " + ErrnoText(n < 0 ? errno : ECONNRESET);
    }
  } else {
    a.result = r == 0 ? "sent, no reply within 1 s" : "poll: " + ErrnoText(errno);
  }
  ::close(fd);
  return a;
}

ProbeAttempt TryWrite(const std::string& dir) {
  const std::string path = dir + "/.modelgate-probe-" + std::to_string(::getpid());
  ProbeAttempt a{"write " + path, true, ""};
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    a.result = "open: " + ErrnoText(errno);
    return a;
  }
  ::close(fd);
  ::unlink(path.c_str());
  a.blocked = false;
  a.result = "succeeded";
  return a;
}

// Every variable besides PATH (which the sandbox sets) and PWD (which
// shells set) is something the evaluated process could read.
void CheckEnvironment(std::vector<ProbeAttempt>* attempts) {
  bool any = false;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (name == "PATH" || name == "PWD") continue;
    attempts->push_back({"env " + name, false, "set"});
    any = true;
  }
  if (!any) attempts->push_back({"env", true, "empty (PATH only)"});
}

}  // namespace

bool SandboxProbeReport::AllBlocked() const {
  for (const ProbeAttempt& a : attempts) {
    if (!a.blocked) return false;
  }
  return true;
}

SandboxProbeReport ProbeSandbox(const std::vector<std::string>& tcp_targets,
                                const std::vector<std::string>& write_targets) {
  SandboxProbeReport report;
  for (const std::string& t : tcp_targets) report.attempts.push_back(TryConnect(t));
  report.attempts.push_back(TryDns());
  for (const std::string& d : write_targets) report.attempts.push_back(TryWrite(d));
  CheckEnvironment(&report.attempts);
  return report;
}

}  // namespace modelgate::eval
