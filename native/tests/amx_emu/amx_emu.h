// A faithful AMX emulator for the AMX kernels' source (test-only; stands in for
// <immintrin.h> in native/src/kernels/amx/*.cpp). It reproduces what the kernels rely
// on and faults hard (a message on stderr, then abort) on everything the silicon would
// fault on (#GP / #UD) or silently get wrong, so a kernel that passes here cannot
// misuse the tiles (Intel SDM vol. 2: LDTILECFG, TILELOADD, TILESTORED, TILEZERO,
// TILERELEASE, TDPBF16PS, TDPBSSD; AMX exception class AMX-E4).
//
// State, per thread (as the architecture keeps it): palette 1 configuration (8 tiles,
// each rows <= 16 and colsb <= 64 bytes, and start_row) and 8 tile registers of
// 16 x 64 bytes.
//   LDTILECFG: 64 bytes: [0] palette, [1] start_row, [2..15] 0, [16..31] colsb[8] (u16),
//     [32..47] 0, [48..55] rows[8], [56..63] 0. Palette 0 = the init state (like
//     TILERELEASE). #GP on: palette > 1, a reserved byte set, rows > 16, colsb > 64,
//     a tile with rows xor colsb zero. A non-zero start_row is accepted, as on the
//     silicon: it is the restart state an interrupted TILELOADD/TILESTORED leaves, and
//     XRSTOR / LDTILECFG may bring it back.
//   TILELOADD / TILESTORED: rows start_row..rows(t)-1 of colsb(t) bytes at
//     base + r * stride; nothing beyond the shape is read or written (memcpy of exactly
//     that many bytes, so ASan sees any overrun of the caller's buffer). A load zeroes
//     the rows from rows(t) up and keeps the rows below start_row (SDM pseudocode:
//     zero_upper_rows(tdest, start)). As Bochs models them, both fault (#UD) if
//     start_row >= rows(t) or colsb(t) is not a multiple of 4.
//   Every tile instruction that completes sets start_row back to 0 (SDM:
//     "tilecfg.start_row := 0", zero_tileconfig_start()).
//   TDPBF16PS / TDPBSSD c, a, b: #UD unless configured, c a b distinct and all in use,
//     rows(a) == rows(c), colsb(a) / 4 == rows(b), colsb(b) == colsb(c); and, since the
//     silicon truncates colsb / 4, a colsb that is not a multiple of 4 faults here too.
//   Arithmetic: TDPBSSD c[m][n] += sum over k of four s8 x s8 products, wrapping int32.
//     TDPBF16PS in one of two orders, because Intel's two documents disagree and the
//     kernels must be right under both (AMX_NOTES.md):
//       SDM (default): per row m, a temporary of 2N f32 (one per bf16 slot) starts at 0
//         and collects FMAs over k; then c[m][n] += temp[2n] + temp[2n+1].
//       Intrinsics Guide (-DAMX_EMU_ORDER_INTRINSICS_GUIDE): straight into C, for each
//         k: c = fma(a[2k], b[2k], c), then c = fma(a[2k+1], b[2k+1], c).
//     Either way each step rounds once (RNE), inputs and outputs denormal-flushed (DAZ,
//     FTZ), the C tile's incoming values included; MXCSR is not used.
//   Any tile instruction on a thread without a valid configuration: #UD.
//
// Test-only fault injection (a Sapphire Rapids erratum, "SPR4" in openzfs PR #15168: a
// VM exit during the FPU state save may save the AMX tile data as zeroes): after the
// N-th tile instruction a thread completes (TILELOADD, TILESTORED, TILEZERO, TDP*; not
// LDTILECFG / TILERELEASE), the data of all 8 tiles becomes zero, once; the
// configuration is kept, as the erratum keeps XTILECFG. Armed by the environment
// variable AMX_EMU_ZERO_TILES_AT=N (read once per process, counted per thread) or by
// amx_emu::zero_tiles_after(N) on the calling thread.
#pragma once

#include <xmmintrin.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace amx_emu {

#if AMX_EMU_ORDER_INTRINSICS_GUIDE
inline constexpr bool ORDER_INTRINSICS_GUIDE = true;
inline constexpr const char* ORDER = "intrinsics_guide";
#else
inline constexpr bool ORDER_INTRINSICS_GUIDE = false;
inline constexpr const char* ORDER = "sdm";
#endif

struct State {
    bool configured = false;
    std::uint8_t start_row = 0;
    std::uint16_t colsb[8] = {};
    std::uint8_t rows[8] = {};
    std::uint8_t data[8][16][64] = {};
    long instructions = 0;  // tile instructions executed (the harness reports it)
};

inline State& state() {
    thread_local State s;
    return s;
}

[[noreturn]] inline void fault(const char* kind, const char* what, int t = -1);

// The zero-tile injection: kept apart from State because LDTILECFG and TILERELEASE
// reset State, and a kernel configures and releases the tiles on every call, while
// the count must run across calls.
struct Injection {
    long at = 0;  // 0: disarmed
    long count = 0;
    bool fired = false;
};

inline long zero_tiles_at_from_env() {
    static const long at = [] {
        const char* v = std::getenv("AMX_EMU_ZERO_TILES_AT");
        if (v == nullptr || *v == 0) return 0L;
        char* end = nullptr;
        const long n = std::strtol(v, &end, 10);
        // A typo must not silently disarm the injection a test relies on.
        if (*end != 0 || n < 1) fault("setup", "AMX_EMU_ZERO_TILES_AT is not a positive integer");
        return n;
    }();
    return at;
}

inline Injection& injection() {
    thread_local Injection j{zero_tiles_at_from_env()};
    return j;
}

// Arms the injection on the calling thread: its tiles are zeroed once, right after the
// n-th tile instruction from now (n >= 1; 0 disarms).
inline void zero_tiles_after(long n) {
    injection() = Injection{n};
}

// Whether the armed injection has happened on this thread, and how many tile
// instructions the thread completed since it was armed.
inline bool zero_tiles_fired() {
    return injection().fired;
}
inline long tile_instructions() {
    return injection().count;
}

// The end of every tile instruction but LDTILECFG / TILERELEASE.
inline void retire(State& s) {
    s.start_row = 0;
    Injection& j = injection();
    ++j.count;
    if (j.at > 0 && !j.fired && j.count == j.at) {
        std::memset(s.data, 0, sizeof s.data);
        j.fired = true;
    }
}

[[noreturn]] inline void fault(const char* kind, const char* what, int t) {
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

// TILELOADD / TILESTORED checks beyond check_tile, as Bochs makes them. The silicon's
// behaviour is not documented; faulting is the safe side for a test double.
inline void check_rows_access(const State& s, int t, const char* start_row_msg,
                              const char* colsb_msg) {
    if (s.start_row >= s.rows[t]) fault("#UD", start_row_msg, t);
    if (s.colsb[t] % 4 != 0) fault("#UD", colsb_msg, t);
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
    next.start_row = cfg[1];
    s = next;  // a new configuration zeroes every tile
}

inline void _tile_storeconfig(void* config) {
    const amx_emu::State& s = amx_emu::state();
    unsigned char cfg[64] = {};
    if (s.configured) {
        cfg[0] = 1;
        cfg[1] = s.start_row;
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
    amx_emu::check_rows_access(s, t, "TILELOADD start_row >= rows",
                               "TILELOADD colsb not a multiple of 4");
    const int start = s.start_row;
    std::memset(s.data[t][start], 0, sizeof s.data[t][0] * static_cast<unsigned>(16 - start));
    const auto* p = static_cast<const unsigned char*>(base);
    for (int r = start; r < s.rows[t]; ++r) std::memcpy(s.data[t][r], p + r * stride, s.colsb[t]);
    amx_emu::retire(s);
}

inline void _tile_stream_loadd(int t, const void* base, long stride) {
    _tile_loadd(t, base, stride);
}

inline void _tile_stored(int t, void* base, long stride) {
    amx_emu::State& s = amx_emu::configured("TILESTORED without a tile configuration");
    amx_emu::check_tile(s, t);
    amx_emu::check_rows_access(s, t, "TILESTORED start_row >= rows",
                               "TILESTORED colsb not a multiple of 4");
    auto* p = static_cast<unsigned char*>(base);
    for (int r = s.start_row; r < s.rows[t]; ++r) {
        std::memcpy(p + r * stride, s.data[t][r], s.colsb[t]);
    }
    amx_emu::retire(s);
}

inline void _tile_zero(int t) {
    amx_emu::State& s = amx_emu::configured("TILEZERO without a tile configuration");
    amx_emu::check_tile(s, t);
    std::memset(s.data[t], 0, sizeof s.data[t]);
    amx_emu::retire(s);
}

inline void _tile_dpbf16ps(int c, int a, int b) {
    amx_emu::State& s = amx_emu::dp_operands(c, a, b, "TDPBF16PS without a tile configuration");
    const int M = s.rows[c], N = s.colsb[c] / 4, K = s.colsb[a] / 4;
    auto x = [&](int m, int k, int h) { return amx_emu::bf16(&s.data[a][m][4 * k + 2 * h]); };
    auto y = [&](int k, int n, int h) { return amx_emu::bf16(&s.data[b][k][4 * n + 2 * h]); };
    for (int m = 0; m < M; ++m) {
        float acc[16];
        std::memcpy(acc, s.data[c][m], 4 * static_cast<unsigned>(N));
        for (int n = 0; n < N; ++n) acc[n] = amx_emu::flush(acc[n]);  // DAZ on C as well
        if constexpr (amx_emu::ORDER_INTRINSICS_GUIDE) {
            for (int k = 0; k < K; ++k) {
                for (int n = 0; n < N; ++n) {
                    for (int h = 0; h < 2; ++h) {
                        acc[n] = amx_emu::flush(__builtin_fmaf(x(m, k, h), y(k, n, h), acc[n]));
                    }
                }
            }
        } else {
            float temp[32] = {};
            for (int k = 0; k < K; ++k) {
                for (int n = 0; n < N; ++n) {
                    for (int h = 0; h < 2; ++h) {
                        float& t = temp[2 * n + h];
                        t = amx_emu::flush(__builtin_fmaf(x(m, k, h), y(k, n, h), t));
                    }
                }
            }
            for (int n = 0; n < N; ++n) {
                acc[n] = amx_emu::flush(acc[n] + amx_emu::flush(temp[2 * n] + temp[2 * n + 1]));
            }
        }
        std::memcpy(s.data[c][m], acc, 4 * static_cast<unsigned>(N));
    }
    amx_emu::retire(s);
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
    amx_emu::retire(s);
}
