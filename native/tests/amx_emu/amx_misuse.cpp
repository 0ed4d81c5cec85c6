// Test-only (tests/native/test_amx_emulator.py): the AMX emulator's own checks.
//   amx_misuse ok            exact arithmetic and shape rules on valid programs; exit 0
//   amx_misuse <misuse>      one misuse the silicon faults on (or gets silently wrong);
//                            the emulator must abort with the fault on stderr
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "amx_emu.h"

namespace {

struct alignas(64) Cfg {
    unsigned char b[64] = {};
    Cfg() { b[0] = 1; }
    Cfg& tile(int t, int rows, int colsb) {
        b[48 + t] = static_cast<unsigned char>(rows);
        std::memcpy(b + 16 + 2 * t, &colsb, 2);
        return *this;
    }
};

Cfg all_16x64() {
    Cfg c;
    for (int t = 0; t < 8; ++t) c.tile(t, 16, 64);
    return c;
}

int failures = 0;

void expect(bool ok, const char* what) {
    std::printf("%s: %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) ++failures;
}

std::uint16_t bf(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return static_cast<std::uint16_t>(u >> 16);
}

void valid_programs() {
    Cfg cfg = all_16x64();
    _tile_loadconfig(cfg.b);
    unsigned char back[64];
    _tile_storeconfig(back);
    expect(std::memcmp(back, cfg.b, 64) == 0, "STTILECFG returns the configuration");

    // TDPBSSD: A = all -128, B = all -128 / 127 mixed, C starts at INT32_MAX: exact, wrapping.
    std::vector<std::int8_t> a(16 * 64, -128), b(16 * 64);
    for (int i = 0; i < 16 * 64; ++i) b[i] = static_cast<std::int8_t>(i % 2 ? 127 : -128);
    std::vector<std::int32_t> c(16 * 16, INT32_MAX);
    _tile_loadd(0, c.data(), 64);
    _tile_loadd(1, a.data(), 64);
    _tile_loadd(2, b.data(), 64);
    _tile_dpbssd(0, 1, 2);
    _tile_stored(0, c.data(), 64);
    // Per C element: 64 k; bytes alternate -128 / 127 in B: 32 x (16384 - 16256) = 4096.
    const auto want = static_cast<std::int32_t>(static_cast<std::uint32_t>(INT32_MAX) + 4096u);
    bool all = true;
    for (auto v : c) all = all && v == want;
    expect(all, "TDPBSSD s8 x s8 quads into int32, wrapping");

    // TDPBF16PS: rows 0..15 of A = pairs (1, 2), B rows = pairs (3, 0.5): each pair adds 4;
    // 16 pairs -> 64 onto C = 1.
    std::vector<std::uint16_t> ha(16 * 32), hb(16 * 32);
    for (int i = 0; i < 16 * 32; ++i) {
        ha[i] = bf(i % 2 ? 2.0f : 1.0f);
        hb[i] = bf(i % 2 ? 0.5f : 3.0f);
    }
    std::vector<float> f(16 * 16, 1.0f);
    _tile_loadd(3, f.data(), 64);
    _tile_loadd(4, ha.data(), 64);
    _tile_loadd(5, hb.data(), 64);
    _tile_dpbf16ps(3, 4, 5);
    _tile_stored(3, f.data(), 64);
    all = true;
    for (auto v : f) all = all && v == 65.0f;
    expect(all, "TDPBF16PS bf16 pairs into f32");

    // Denormal bf16 inputs count as zero; a denormal result is flushed.
    for (auto& x : ha) x = 0x0001;  // denormal
    std::fill(f.begin(), f.end(), 0.0f);
    _tile_loadd(3, f.data(), 64);
    _tile_loadd(4, ha.data(), 64);
    _tile_dpbf16ps(3, 4, 5);
    _tile_stored(3, f.data(), 64);
    all = true;
    for (auto v : f) all = all && v == 0.0f;
    expect(all, "TDPBF16PS denormal inputs treated as zero");

    // Smaller shapes: a 3-row x 8-byte tile reads and writes only that much at the
    // stride; the bytes around it in memory stay untouched.
    Cfg small;
    small.tile(0, 3, 8).tile(1, 16, 64);
    _tile_loadconfig(small.b);
    std::vector<unsigned char> src(3 * 100, 0xAB), dst(3 * 100, 0x11);
    _tile_loadd(0, src.data(), 100);
    _tile_stored(0, dst.data(), 100);
    bool shape_only = true;
    for (int r = 0; r < 3; ++r) {
        for (int i = 0; i < 100; ++i) shape_only = shape_only && dst[r * 100 + i] == (i < 8 ? 0xAB : 0x11);
    }
    expect(shape_only, "TILELOADD/TILESTORED touch only rows x colsb at the stride");

    // start_row (the restart state of an interrupted TILELOADD/TILESTORED) is accepted by
    // LDTILECFG and kept by STTILECFG; the next load begins at that row, keeps the rows
    // above it (zero after LDTILECFG) and resets it to 0.
    Cfg restart;
    restart.tile(0, 4, 64).tile(1, 4, 64);
    restart.b[1] = 2;
    _tile_loadconfig(restart.b);
    _tile_storeconfig(back);
    const bool kept = back[1] == 2;
    std::vector<unsigned char> rows4(4 * 64), out4(4 * 64, 0x55);
    for (int r = 0; r < 4; ++r) std::memset(rows4.data() + 64 * r, 0x10 + r, 64);
    _tile_loadd(0, rows4.data(), 64);
    _tile_storeconfig(back);
    const bool reset = back[1] == 0;
    _tile_stored(0, out4.data(), 64);
    bool from_row_2 = true;
    for (int i = 0; i < 4 * 64; ++i) from_row_2 = from_row_2 && out4[i] == (i < 128 ? 0 : 0x10 + i / 64);
    expect(kept && reset && from_row_2,
           "LDTILECFG keeps start_row; TILELOADD starts there and resets it");
    // TILESTORED from start_row: rows above it in memory stay as they were.
    restart.b[1] = 3;
    _tile_loadconfig(restart.b);
    std::fill(out4.begin(), out4.end(), 0x55);
    _tile_stored(1, out4.data(), 64);
    _tile_storeconfig(back);
    bool rows_from_3 = back[1] == 0;
    for (int i = 0; i < 4 * 64; ++i) rows_from_3 = rows_from_3 && out4[i] == (i < 192 ? 0x55 : 0);
    expect(rows_from_3, "TILESTORED starts at start_row and resets it");
    _tile_release();
    _tile_storeconfig(back);
    bool zero = true;
    for (unsigned char x : back) zero = zero && x == 0;
    expect(zero, "TILERELEASE returns to the init state");
}

bool misuse(const std::string& what) {
    Cfg cfg = all_16x64();
    std::vector<unsigned char> mem(16 * 64 * 2);
    if (what == "use_before_config") {
        _tile_zero(0);
    } else if (what == "use_after_release") {
        _tile_loadconfig(cfg.b);
        _tile_release();
        _tile_loadd(0, mem.data(), 64);
    } else if (what == "other_thread") {  // configuration is per thread
        _tile_loadconfig(cfg.b);
        std::thread t([&] { _tile_loadd(0, mem.data(), 64); });
        t.join();
    } else if (what == "palette_2") {
        cfg.b[0] = 2;
        _tile_loadconfig(cfg.b);
    } else if (what == "reserved_byte") {
        cfg.b[9] = 1;
        _tile_loadconfig(cfg.b);
    } else if (what == "reserved_colsb_area") {
        cfg.b[40] = 1;
        _tile_loadconfig(cfg.b);
    } else if (what == "reserved_rows_area") {
        cfg.b[60] = 1;
        _tile_loadconfig(cfg.b);
    } else if (what == "start_row") {  // LDTILECFG accepts it; the load faults (Bochs)
        cfg.tile(0, 3, 64);
        cfg.b[1] = 3;
        _tile_loadconfig(cfg.b);
        _tile_loadd(0, mem.data(), 64);
    } else if (what == "start_row_store") {
        cfg.tile(1, 5, 64);
        cfg.b[1] = 9;
        _tile_loadconfig(cfg.b);
        _tile_stored(1, mem.data(), 64);
    } else if (what == "colsb_not_dword_load") {
        cfg.tile(0, 16, 62);
        _tile_loadconfig(cfg.b);
        _tile_loadd(0, mem.data(), 64);
    } else if (what == "colsb_not_dword_store") {
        cfg.tile(3, 16, 7);
        _tile_loadconfig(cfg.b);
        _tile_stored(3, mem.data(), 64);
    } else if (what == "rows_17") {
        cfg.tile(2, 17, 64);
        _tile_loadconfig(cfg.b);
    } else if (what == "colsb_65") {
        cfg.tile(2, 16, 65);
        _tile_loadconfig(cfg.b);
    } else if (what == "rows_without_colsb") {
        cfg.tile(2, 16, 0);
        _tile_loadconfig(cfg.b);
    } else if (what == "unconfigured_tile") {
        cfg.tile(5, 0, 0);
        _tile_loadconfig(cfg.b);
        _tile_zero(5);
    } else if (what == "tiles_not_distinct") {
        _tile_loadconfig(cfg.b);
        _tile_dpbf16ps(0, 0, 1);
    } else if (what == "rows_a_ne_rows_c") {
        cfg.tile(1, 8, 64);
        _tile_loadconfig(cfg.b);
        _tile_dpbssd(0, 1, 2);
    } else if (what == "colsb_a_ne_rows_b") {
        cfg.tile(2, 8, 64);
        _tile_loadconfig(cfg.b);
        _tile_dpbssd(0, 1, 2);
    } else if (what == "colsb_b_ne_colsb_c") {
        cfg.tile(2, 16, 32);
        _tile_loadconfig(cfg.b);
        _tile_dpbf16ps(0, 1, 2);
    } else if (what == "partial_dword") {
        cfg.tile(0, 16, 62).tile(2, 16, 62);
        _tile_loadconfig(cfg.b);
        _tile_dpbssd(0, 1, 2);
    } else if (what == "overrun") {  // the buffer is one row short of the tile: ASan
        std::vector<unsigned char> short_buf(15 * 64);
        _tile_loadconfig(cfg.b);
        _tile_loadd(0, short_buf.data(), 64);
    } else {
        return false;
    }
    return true;  // not reached when the emulator faults
}

}  // namespace

int main(int argc, char** argv) {
    const std::string what = argc > 1 ? argv[1] : "ok";
    if (what == "ok") {
        valid_programs();
        return failures;
    }
    if (!misuse(what)) {
        std::printf("unknown misuse %s\n", what.c_str());
        return 2;
    }
    std::printf("misuse %s was NOT caught\n", what.c_str());
    return 3;
}
