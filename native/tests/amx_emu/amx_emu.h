// A faithful AMX emulator for the AMX kernels' source (test-only; stands in for
// <immintrin.h> in native/src/kernels/amx/*.cpp). It reproduces what the kernels rely
// on and faults hard (a message on stderr, then abort) on everything the silicon would
// fault on (#GP / #UD) or silently get wrong, so a kernel that passes here cannot
// misuse the tiles (Intel SDM vol. 2: LDTILECFG, TILELOADD, TILESTORED, TILEZERO,
// TILERELEASE, TDPBF16PS, TDPBSSD; AMX exception class AMX-E4).
//
// State, per thread (as the architecture keeps it): palette 1 configuration (8 tiles,
// each rows <= 16 and colsb <= 64 bytes) and 8 tile registers of 16 x 64 bytes.
//   LDTILECFG: 64 bytes: [0] palette, [1] start_row, [2..15] 0, [16..31] colsb[8] (u16),
//     [32..47] 0, [48..55] rows[8], [56..63] 0. Palette 0 = the init state (like
//     TILERELEASE). #GP on: palette > 1, a reserved byte set, rows > 16, colsb > 64,
//     a tile with rows xor colsb zero. A non-zero start_row is legal on the silicon
//     (it is restart state) but would make the next TILELOADD skip rows: fault.
//   TILELOADD / TILESTORED: rows(t) rows of colsb(t) bytes at base + r * stride; nothing
//     beyond the shape is read or written (memcpy of exactly that many bytes, so ASan
//     sees any overrun of the caller's buffer); the rest of the register is zeroed.
//   TDPBF16PS / TDPBSSD c, a, b: #UD unless configured, c a b distinct and all in use,
//     rows(a) == rows(c), colsb(a) / 4 == rows(b), colsb(b) == colsb(c); and, since the
//     silicon truncates colsb / 4, a colsb that is not a multiple of 4 faults here too.
//   Arithmetic: TDPBSSD c[m][n] += sum over k of four s8 x s8 products, wrapping int32.
//     TDPBF16PS per the SDM pseudocode: per row m, a temporary of 2N f32 (one per bf16
//     slot) starts at 0 and collects FMAs over k (DAZ, FTZ, RNE); then
//     c[m][n] += temp[2n] + temp[2n+1]. Each step rounds once; denormals flushed.
//   Any tile instruction on a thread without a valid configuration: #UD.
#pragma once

#include <xmmintrin.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace amx_emu {

struct State {
    bool configured = false;
    std::uint16_t colsb[8] = {};
    std::uint8_t rows[8] = {};
    std::uint8_t data[8][16][64] = {};
    long instructions = 0;  // tile instructions executed (the harness reports it)
};

inline State& state() {
    thread_local State s;
    return s;
}

[[noreturn]] inline void fault(const char* kind, const char* what, int t = -1) {
    if (t >= 0) {
        std::fprintf(stderr, "AMX %s: %s (tmm%d)\n", kind, what, t);
    } else {
        std::fprintf(stderr, "AMX %s: %s\n", kind, what);
    }
    std::fflush(stderr);
    std::abort();
}

inline State& configured(const char* insn) {
    State& s = state();
    if (!s.configured) fault("#UD", insn);
    ++s.instructions;
    return s;
}

inline void check_tile(const State& s, int t) {
    if (t < 0 || t > 7) fault("#UD", "tile register number out of range", t);
    if (s.rows[t] == 0) fault("#UD", "tile not configured (0 rows)", t);
}

inline float bits_f32(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

inline float flush(float f) {  // DAZ / FTZ: denormal -> zero of the same sign
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return (u & 0x7f800000u) == 0 ? bits_f32(u & 0x80000000u) : f;
}

inline float bf16(const std::uint8_t* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return flush(bits_f32(static_cast<std::uint32_t>(h) << 16));
}

// Shape checks of TDP* (AMX-E4), then returns the state.
inline State& dp_operands(int c, int a, int b, const char* insn) {
    State& s = configured(insn);
    check_tile(s, c);
    check_tile(s, a);
    check_tile(s, b);
    if (c == a || c == b || a == b) fault("#UD", "TDP operands are not three different tiles");
    if (s.rows[a] != s.rows[c]) fault("#UD", "rows(A) != rows(C)");
    if (s.colsb[a] % 4 != 0 || s.colsb[b] % 4 != 0 || s.colsb[c] % 4 != 0) {
        fault("#UD", "colsb not a multiple of 4 (the silicon truncates the partial dword)");
    }
    if (s.colsb[a] / 4 != s.rows[b]) fault("#UD", "colsb(A) / 4 != rows(B)");
    if (s.colsb[b] != s.colsb[c]) fault("#UD", "colsb(B) != colsb(C)");
    return s;
}

}  // namespace amx_emu

inline void _tile_loadconfig(const void* config) {
    unsigned char cfg[64];
    std::memcpy(cfg, config, 64);
    amx_emu::State& s = amx_emu::state();
    if (cfg[0] == 0) {  // palette 0: the init state
        s = amx_emu::State{};
        return;
    }
    if (cfg[0] != 1) amx_emu::fault("#GP", "LDTILECFG palette other than 0 or 1");
    if (cfg[1] != 0) amx_emu::fault("#GP", "LDTILECFG start_row != 0 (restart state)");
    for (int i = 2; i < 16; ++i) {
        if (cfg[i] != 0) amx_emu::fault("#GP", "LDTILECFG reserved byte (2..15) not zero");
    }
    for (int i = 32; i < 48; ++i) {
        if (cfg[i] != 0) amx_emu::fault("#GP", "LDTILECFG reserved byte (32..47) not zero");
    }
    for (int i = 56; i < 64; ++i) {
        if (cfg[i] != 0) amx_emu::fault("#GP", "LDTILECFG reserved byte (56..63) not zero");
    }
    amx_emu::State next;
    for (int t = 0; t < 8; ++t) {
        std::uint16_t colsb;
        std::memcpy(&colsb, cfg + 16 + 2 * t, 2);
        const std::uint8_t rows = cfg[48 + t];
        if (rows > 16) amx_emu::fault("#GP", "LDTILECFG rows > 16", t);
        if (colsb > 64) amx_emu::fault("#GP", "LDTILECFG colsb > 64 bytes", t);
        if ((rows == 0) != (colsb == 0)) {
            amx_emu::fault("#GP", "LDTILECFG tile with rows or colsb zero but not both", t);
        }
        next.rows[t] = rows;
        next.colsb[t] = colsb;
    }
    next.configured = true;
    s = next;  // a new configuration zeroes every tile
}

inline void _tile_storeconfig(void* config) {
    const amx_emu::State& s = amx_emu::state();
    unsigned char cfg[64] = {};
    if (s.configured) {
        cfg[0] = 1;
        for (int t = 0; t < 8; ++t) {
            std::memcpy(cfg + 16 + 2 * t, &s.colsb[t], 2);
            cfg[48 + t] = s.rows[t];
        }
    }
    std::memcpy(config, cfg, 64);
}

inline void _tile_release() {
    amx_emu::state() = amx_emu::State{};
}

inline void _tile_loadd(int t, const void* base, long stride) {
    amx_emu::State& s = amx_emu::configured("TILELOADD without a tile configuration");
    amx_emu::check_tile(s, t);
    std::memset(s.data[t], 0, sizeof s.data[t]);
    const auto* p = static_cast<const unsigned char*>(base);
    for (int r = 0; r < s.rows[t]; ++r) std::memcpy(s.data[t][r], p + r * stride, s.colsb[t]);
}

inline void _tile_stream_loadd(int t, const void* base, long stride) {
    _tile_loadd(t, base, stride);
}

inline void _tile_stored(int t, void* base, long stride) {
    amx_emu::State& s = amx_emu::configured("TILESTORED without a tile configuration");
    amx_emu::check_tile(s, t);
    auto* p = static_cast<unsigned char*>(base);
    for (int r = 0; r < s.rows[t]; ++r) std::memcpy(p + r * stride, s.data[t][r], s.colsb[t]);
}

inline void _tile_zero(int t) {
    amx_emu::State& s = amx_emu::configured("TILEZERO without a tile configuration");
    amx_emu::check_tile(s, t);
    std::memset(s.data[t], 0, sizeof s.data[t]);
}

inline void _tile_dpbf16ps(int c, int a, int b) {
    amx_emu::State& s = amx_emu::dp_operands(c, a, b, "TDPBF16PS without a tile configuration");
    const int M = s.rows[c], N = s.colsb[c] / 4, K = s.colsb[a] / 4;
    for (int m = 0; m < M; ++m) {
        float temp[32] = {};
        for (int k = 0; k < K; ++k) {
            for (int n = 0; n < N; ++n) {
                for (int h = 0; h < 2; ++h) {
                    const float x = amx_emu::bf16(&s.data[a][m][4 * k + 2 * h]);
                    const float y = amx_emu::bf16(&s.data[b][k][4 * n + 2 * h]);
                    temp[2 * n + h] = amx_emu::flush(__builtin_fmaf(x, y, temp[2 * n + h]));
                }
            }
        }
        for (int n = 0; n < N; ++n) {
            float acc;
            std::memcpy(&acc, &s.data[c][m][4 * n], 4);
            acc = amx_emu::flush(amx_emu::flush(acc) + amx_emu::flush(temp[2 * n] + temp[2 * n + 1]));
            std::memcpy(&s.data[c][m][4 * n], &acc, 4);
        }
    }
}

inline void _tile_dpbssd(int c, int a, int b) {
    amx_emu::State& s = amx_emu::dp_operands(c, a, b, "TDPBSSD without a tile configuration");
    const int M = s.rows[c], N = s.colsb[c] / 4, K = s.colsb[a] / 4;
    for (int m = 0; m < M; ++m) {
        for (int n = 0; n < N; ++n) {
            std::uint32_t acc;
            std::memcpy(&acc, &s.data[c][m][4 * n], 4);
            for (int k = 0; k < K; ++k) {
                for (int q = 0; q < 4; ++q) {
                    const int x = static_cast<signed char>(s.data[a][m][4 * k + q]);
                    const int y = static_cast<signed char>(s.data[b][k][4 * n + q]);
                    acc += static_cast<std::uint32_t>(x * y);
                }
            }
            std::memcpy(&s.data[c][m][4 * n], &acc, 4);
        }
    }
}
