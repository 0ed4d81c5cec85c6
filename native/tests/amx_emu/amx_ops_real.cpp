// Test-only: amx_ops.hpp on the real instructions (built with -mamx-tile -mamx-bf16,
// run only where the CPU has AMX).
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "amx_ops.hpp"

namespace amx_real {

bool request_permission() {
    return syscall(SYS_arch_prctl, 0x1023, 18) == 0;  // ARCH_REQ_XCOMP_PERM, XTILEDATA
}

void dpbf16(const amx_ops::Tdp& in, float c_out[16 * 16]) {
    alignas(64) unsigned char cfg[64] = {};
    cfg[0] = 1;
    for (int t = 0; t < 3; ++t) {
        const std::uint16_t colsb = 64;
        std::memcpy(cfg + 16 + 2 * t, &colsb, 2);
        cfg[48 + t] = 16;
    }
    // GCC 12: _tile_loadconfig claims an 8-byte read and _tile_loadd / _tile_stored have
    // no memory clobber; the barriers make the whole operand and the inputs reach memory
    // first and keep the reads of c_out after the store.
    __asm__ volatile("" : : "r"(cfg), "r"(&in) : "memory");
    _tile_loadconfig(cfg);
    _tile_loadd(0, in.c, 64);
    _tile_loadd(1, in.a, 64);
    _tile_loadd(2, in.b, 64);
    _tile_dpbf16ps(0, 1, 2);
    _tile_stored(0, c_out, 64);
    _tile_release();
    __asm__ volatile("" : : "r"(c_out) : "memory");
}

}  // namespace amx_real
