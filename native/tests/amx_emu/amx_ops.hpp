// Test-only: one TDPBF16PS on full 16 x 64-byte tiles, on plain arrays, so one program
// can hold the emulated (amx_ops_emu.cpp) and, where the CPU has AMX, the real
// (amx_ops_real.cpp) instruction side by side (check_amx_ops.cpp). The arrays are the
// tiles' bytes: c 16 x 16 f32, a 16 rows x 32 bf16, b 16 rows x 16 bf16 pairs.
#pragma once
#include <cstdint>

namespace amx_ops {
struct Tdp {
    float c[16 * 16];
    std::uint16_t a[16 * 32];
    std::uint16_t b[16 * 32];
};
void dpbf16(const Tdp& in, float c_out[16 * 16]);
const char* order();  // the emulator's TDPBF16PS order (amx_emu.h)
}  // namespace amx_ops

namespace amx_real {  // defined only in builds with the real instructions
bool request_permission();  // Linux: ARCH_REQ_XCOMP_PERM for tile data, once
void dpbf16(const amx_ops::Tdp& in, float c_out[16 * 16]);
}  // namespace amx_real
