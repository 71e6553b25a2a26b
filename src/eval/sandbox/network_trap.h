// InstallNetworkTrap: a seccomp filter for the evaluation worker, behind
// the bubblewrap network namespace (defence in depth). socket() for a
// network family (AF_INET, AF_INET6, AF_PACKET, AF_NETLINK, AF_BLUETOOTH,
// AF_VSOCK, ...; everything except AF_UNIX) traps into a SIGSYS handler that
// counts the attempt and makes the call fail with EACCES, so a payload that
// reaches socket() is both stopped and recorded (docs/eval/sandbox.md).
//
// Raw BPF through prctl(PR_SET_SECCOMP) after PR_SET_NO_NEW_PRIVS: no
// libseccomp. The filter is permanent for the process and inherited by
// children. It applies to the calling thread and the threads it creates
// afterwards: call it at the start of main(), before any thread exists.
// Other architectures than x86-64 and AArch64: kNotSupported. A syscall
// made with a foreign ABI (i386 int 0x80 on x86-64, x32) kills the
// process, since its socket/socketcall numbers differ.
#ifndef MODELGATE_EVAL_SANDBOX_NETWORK_TRAP_H_
#define MODELGATE_EVAL_SANDBOX_NETWORK_TRAP_H_

#include <cstdint>

#include "modelgate/status.h"

namespace modelgate::eval {

// Installs the SIGSYS handler and the filter. Returns kIOError when the
// kernel refuses (no seccomp), kNotSupported on other architectures.
// Calling it twice stacks a second, identical filter (harmless).
Status InstallNetworkTrap();

// socket() calls refused by the trap so far in this process (all threads).
// Async-signal-safe (an atomic load).
std::uint64_t NetworkAttemptsTrapped();

}  // namespace modelgate::eval

#endif  // MODELGATE_EVAL_SANDBOX_NETWORK_TRAP_H_
