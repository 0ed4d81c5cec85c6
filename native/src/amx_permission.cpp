// The AMX tile-data permission request (Linux >= 5.16, Documentation/arch/x86/xstate.rst)
// and its refusal reasons, kept out of cpu.cpp so the reasons can be tested one by one.
// Kernel side (arch/x86/kernel/fpu/xstate.c): an unknown arch_prctl code is EINVAL; a
// kernel without tile data in its xstate features answers EOPNOTSUPP; validate_sigaltstack
// answers ENOSPC; a seccomp filter returns whatever errno it was written with, EPERM for
// Docker's and containerd's profiles (whose defaults allow the call).
#include "amx_permission.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mm {
namespace {

constexpr int ARCH_REQ_XCOMP_PERM = 0x1023;
constexpr int XFEATURE_XTILEDATA = 18;
constexpr const char* REFUSED = "Linux refused AMX tile permission (arch_prctl ";

}  // namespace

std::string amx_refusal_reason(int err) {
    switch (err) {
        case EINVAL:
            return std::string(REFUSED) + "EINVAL): kernel older than 5.16";
        case EOPNOTSUPP:
            return std::string(REFUSED) +
                   "EOPNOTSUPP): the kernel does not offer AMX tile data (not built in, or "
                   "disabled at boot)";
        case EPERM:
            return std::string(REFUSED) + "EPERM): a seccomp profile filters arch_prctl";
        case ENOSPC:
            return std::string(REFUSED) +
                   "ENOSPC): a thread has a sigaltstack smaller than the AMX signal frame";
        default:
            return std::string(REFUSED) + "errno " + std::to_string(err) + "): " +
                   std::strerror(err);
    }
}

std::string request_amx_permission() {
    if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0) return {};
    return amx_refusal_reason(errno);
}

}  // namespace mm
