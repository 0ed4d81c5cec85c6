// Linux's AMX tile-data permission: the one arch_prctl request of the process and the
// one-line reason when it is refused. Baseline code (cpu.cpp calls it once, during
// detection); the reason is a pure function of errno so a test can check every case.
#pragma once

#include <string>

namespace mm {

// Why Linux refused ARCH_REQ_XCOMP_PERM for XTILEDATA, from the call's errno:
//   EINVAL      the kernel is older than 5.16 (it does not know the request)
//   EOPNOTSUPP  the kernel knows it but does not offer AMX (not built in, or disabled at
//               boot: the kernel's own xstate list has no tile data)
//   EPERM       a seccomp profile filters arch_prctl
//   ENOSPC      some thread of the process already has a sigaltstack smaller than the
//               AMX signal frame
//   other       the C library's strerror
std::string amx_refusal_reason(int err);

// Asks Linux once for AMX tile data for the whole process (every thread, present and
// future; inherited by fork, cleared by exec). Returns "" when granted (or already
// granted), else amx_refusal_reason(errno).
std::string request_amx_permission();

}  // namespace mm
