// Test-only: amx_ops.hpp on the emulator (amx_emu.h).
#include "amx_ops.hpp"

#include "amx_emu.h"

namespace amx_ops {
namespace {
struct alignas(64) Cfg {
    unsigned char b[64] = {};
};
}  // namespace

void dpbf16(const Tdp& in, float c_out[16 * 16]) {
    Cfg cfg;
    cfg.b[0] = 1;
    for (int t = 0; t < 3; ++t) {
        const std::uint16_t colsb = 64;
        std::memcpy(cfg.b + 16 + 2 * t, &colsb, 2);
        cfg.b[48 + t] = 16;
    }
    _tile_loadconfig(cfg.b);
    _tile_loadd(0, in.c, 64);
    _tile_loadd(1, in.a, 64);
    _tile_loadd(2, in.b, 64);
    _tile_dpbf16ps(0, 1, 2);
    _tile_stored(0, c_out, 64);
    _tile_release();
}

const char* order() {
    return amx_emu::ORDER;
}
}  // namespace amx_ops
