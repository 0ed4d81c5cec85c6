// AMX tile configuration and release: the only file that issues LDTILECFG and
// TILERELEASE. A scope is not nested on one thread (a second configuration would
// silently reshape the tiles of the first): that is a programming error and throws.
#include "kernels/amx/tiles.hpp"

#include <immintrin.h>

#include <cstring>
#include <stdexcept>

#include "kernels/amx/tile_ops.hpp"

namespace mm::amx {
namespace {

// The 64-byte LDTILECFG operand, palette 1 (Intel SDM vol. 2, LDTILECFG).
struct alignas(64) TileConfig {
    std::uint8_t palette = 1;
    std::uint8_t start_row = 0;
    std::uint8_t reserved0[14] = {};
    std::uint16_t colsb[8] = {};
    std::uint8_t reserved1[16] = {};
    std::uint8_t rows[8] = {};
    std::uint8_t reserved2[8] = {};
};
static_assert(sizeof(TileConfig) == 64);

thread_local bool t_active = false;

}  // namespace

TileScope::TileScope(const TileShapes& shapes) {
    if (t_active) throw std::logic_error("amx::TileScope: tiles already configured on this thread");
    TileConfig cfg;
    std::memcpy(cfg.rows, shapes.rows, sizeof cfg.rows);
    std::memcpy(cfg.colsb, shapes.colsb, sizeof cfg.colsb);
    // tile_config's fence makes all 64 bytes reach memory (GCC 12's intrinsic alone
    // claims to read 8 of them); tests/native/test_tile_asm.py checks the generated code.
    tile_config(&cfg);
    t_active = true;
}

TileScope::~TileScope() {
    tile_release();
    t_active = false;
}

}  // namespace mm::amx
