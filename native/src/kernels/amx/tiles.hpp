// The one owner of AMX tile state (tiles.cpp): a scope that loads a palette-1 tile
// configuration on this thread and releases the tiles when it ends. Configuration is
// per thread (LDTILECFG / TILERELEASE act on the calling thread only); the Linux
// permission to use tile data is per process and is asked for once by cpu.cpp.
#pragma once

#include <cstdint>

namespace mm::amx {

// Rows and bytes per row of tmm0..tmm7 (palette 1: rows <= 16, colsb <= 64; a tile with
// 0 rows is unused).
struct TileShapes {
    std::uint8_t rows[8];
    std::uint16_t colsb[8];
};

// Every tile 16 rows x 64 bytes: the shape all our kernels and probes use.
constexpr TileShapes ALL_16X64{{16, 16, 16, 16, 16, 16, 16, 16},
                               {64, 64, 64, 64, 64, 64, 64, 64}};

class TileScope {
public:
    explicit TileScope(const TileShapes& shapes);  // LDTILECFG
    ~TileScope();                                  // TILERELEASE
    TileScope(const TileScope&) = delete;
    TileScope& operator=(const TileScope&) = delete;
};

}  // namespace mm::amx
