// The one way this folder issues tile instructions: thin wrappers over the AMX
// intrinsics that carry the compiler barrier the intrinsics lack, so that no refactor
// can let the compiler move or drop the memory accesses a tile instruction depends on.
//
// Why (GCC 12's amxtileintrin.h, see ../shared/AMX_NOTES.md):
//   _tile_loadd       asm with the base as a plain "r" input and no "memory" clobber:
//                     the compiler does not know it reads memory, so the stores that fill
//                     the buffer (packing) may be sunk below it, dropped as dead, or the
//                     next packing's stores hoisted above it.
//   _tile_loadconfig  claims an 8-byte "m" read of its 64-byte operand: the stores of
//                     bytes 8..63 (colsb and rows) are dead to the compiler. GCC 12 -O2
//                     keeps the zero-initialisation and drops the shapes: a valid-looking
//                     all-zero configuration (tests/native/test_tile_asm.py shows it).
//   _tile_stored      has "memory" (a fence anyway: cheap, and other compilers differ).
// tile_fence(p) passes the pointer to an empty asm that clobbers memory: the object
// counts as escaped, every store to it happens before and every access after stays
// after. Loads and stores get one on each side; the configuration one before.
//
// Tile numbers are macro arguments, not template parameters: GCC's intrinsics are
// macros that paste the number into the instruction text (%%tmm#dst), so the number
// must be a literal token where the intrinsic is expanded.
//
// Include after <immintrin.h> (the including file's one intrinsics header, which the
// emulator tests replace by amx_emu.h): this header must not include it itself.
#pragma once

namespace mm::amx {
namespace {

inline void tile_fence(const void* p) {
    __asm__ volatile("" : : "r"(p) : "memory");
}

// LDTILECFG of a 64-byte palette configuration (tiles.cpp owns the only call).
inline void tile_config(const void* cfg) {
    tile_fence(cfg);
    _tile_loadconfig(cfg);
}

inline void tile_release() {
    _tile_release();
}

}  // namespace
}  // namespace mm::amx

// TILELOADD tmm<t>, [base + r * stride]
#define MM_TILE_LOAD(t, base, stride)              \
    do {                                           \
        const void* mm_tile_base_ = (base);        \
        ::mm::amx::tile_fence(mm_tile_base_);      \
        _tile_loadd(t, mm_tile_base_, (stride));   \
        ::mm::amx::tile_fence(mm_tile_base_);      \
    } while (0)

// TILESTORED [base + r * stride], tmm<t>
#define MM_TILE_STORE(t, base, stride)             \
    do {                                           \
        void* mm_tile_base_ = (base);              \
        ::mm::amx::tile_fence(mm_tile_base_);      \
        _tile_stored(t, mm_tile_base_, (stride));  \
        ::mm::amx::tile_fence(mm_tile_base_);      \
    } while (0)

// Register-only instructions: no memory to order, wrapped so every tile instruction of
// the folder reads the same way (a test keeps raw _tile_* calls out of it).
#define MM_TILE_ZERO(t) _tile_zero(t)
#define MM_TILE_DPBF16PS(c, a, b) _tile_dpbf16ps(c, a, b)
#define MM_TILE_DPBSSD(c, a, b) _tile_dpbssd(c, a, b)
