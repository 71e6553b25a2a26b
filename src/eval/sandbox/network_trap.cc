// The filter, in classic BPF over struct seccomp_data:
//   if arch != native                  -> KILL_PROCESS
//   if nr >= X32 bit (x86-64 only)     -> KILL_PROCESS
//   if nr != socket                    -> ALLOW
//   if (int)args[0] == AF_UNIX         -> ALLOW
//   else                               -> TRAP
// SECCOMP_RET_TRAP skips the system call and raises SIGSYS in the calling
// thread; the handler writes -EACCES into the return-value register, so
// libc's wrapper sets errno = EACCES and returns -1 as if the kernel had
// refused.
#include "eval/sandbox/network_trap.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

namespace modelgate::eval {
namespace {

std::atomic<std::uint64_t> g_trapped{0};

#if defined(__x86_64__)
constexpr std::uint32_t kNativeArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t kNativeArch = AUDIT_ARCH_AARCH64;
#endif

#if defined(__x86_64__) || defined(__aarch64__)
void OnSigsys(int, siginfo_t* info, void* context) {
  if (info->si_code != 1 /* SYS_SECCOMP */) return;
  g_trapped.fetch_add(1, std::memory_order_relaxed);
  auto* uc = static_cast<ucontext_t*>(context);
#if defined(__x86_64__)
  uc->uc_mcontext.gregs[REG_RAX] = -EACCES;
#else
  uc->uc_mcontext.regs[0] = static_cast<unsigned long long>(-EACCES);
#endif
}
#endif

}  // namespace

Status InstallNetworkTrap() {
#if defined(__x86_64__) || defined(__aarch64__)
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = OnSigsys;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  if (::sigaction(SIGSYS, &sa, nullptr) != 0) {
    return Status::IOError(std::string("network trap: sigaction: ") + std::strerror(errno));
  }
  constexpr std::uint32_t kArchOffset = offsetof(struct seccomp_data, arch);
  constexpr std::uint32_t kNrOffset = offsetof(struct seccomp_data, nr);
  // Low 32 bits of args[0] (little-endian on both architectures): socket's
  // domain is an int.
  constexpr std::uint32_t kArg0Offset = offsetof(struct seccomp_data, args);
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArchOffset),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kNativeArch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kNrOffset),
#if defined(__x86_64__)
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u /* __X32_SYSCALL_BIT */, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(__NR_socket), 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArg0Offset),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(AF_UNIX), 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
  };
  struct sock_fprog program;
  program.len = static_cast<unsigned short>(sizeof filter / sizeof filter[0]);
  program.filter = filter;
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return Status::IOError(std::string("network trap: PR_SET_NO_NEW_PRIVS: ") + std::strerror(errno));
  }
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) {
    return Status::IOError(std::string("network trap: PR_SET_SECCOMP: ") + std::strerror(errno));
  }
  return Status::Ok();
#else
  return Status::NotSupported("network trap: seccomp filter only built for x86-64 and AArch64");
#endif
}

std::uint64_t NetworkAttemptsTrapped() { return g_trapped.load(std::memory_order_relaxed); }

}  // namespace modelgate::eval
