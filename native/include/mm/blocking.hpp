// Cache blocks of the packed kernels, chosen at run time: the analytical model (in the
// spirit of Low et al., "Analytical Modeling Is Enough for High-Performance BLIS",
// TOMS 2016) and the validation of blocks a caller chose. Declarations only.
#pragma once

#include <cstdint>
#include <string>

#include "mm/cpu.hpp"
#include "mm/kernel.hpp"

namespace mm {

// What share of each cache level the model fills with one packed block:
//   L1: the KC×NR micro-panel of B, reused by every MR×NR tile of one jr step
//       (the rest of L1 holds the MR×KC A micro-panels streaming past it and C);
//   L2: the MC×KC packed block of A, reused by every jr step;
//   L3: the KC×NC packed block of B, reused by every ic step (L3 is shared by the
//       cores of a cluster: a quarter leaves room for their work).
struct ModelShares {
    double l1 = 0.5;
    double l2 = 0.5;
    double l3 = 0.25;
};
inline constexpr ModelShares MODEL_SHARES{};

// The dot-product kernels' rule (AVX-512 BF16 / VNNI, kernels/avx512_lowp/): their packed
// elements are 32-bit k-groups (a bf16 pair, an int8 quad), one lane of VDPBF16PS /
// VPDPBUSD. Per group the micro-kernel loads 2 zmm of B and 14 dwords of A for 28
// instructions, which L2 sustains (about 13 of its 64 bytes per cycle at 2 instructions
// per cycle), so the B micro-panel need not stay in L1 beside A and C: what a deeper KC
// buys instead is fewer passes over C (each loads and stores every tile once more) and
// fewer micro-kernel starts per FLOP. The micro-panel fills the whole L1 (a share of 1,
// streamed from L2 once it no longer fits beside the rest); A and B blocks as above.
// Measured (one core, 1024 and 2048 square): Zen 5 (L1d 48 KiB) bf16 KC 768 / int8 1536
// beat the half-L1 rule's 384 / 768 by 5-10 %; Zen 4 (32 KiB) bf16 KC 512 was within
// 4 % of the best (768), 256 (the half-L1 rule) 12 % behind it.
inline constexpr ModelShares DOT_SHARES{1.0, 0.5, 0.25};

// The tile kernels' rule (AMX, kernels/amx/amx_loops.hpp). Their driver keeps one
// MR-row strip of packed A (MR×KC, 1 KiB per tile of 16 rows) in L1 and sweeps it
// across the whole KC×NC packed block of B, which stays in L2; no block is sized for L3.
//   L1: the MR×KC strip of A, reused by every 32-column step of NC (its 2 A tiles per
//       chunk of k are loaded again for each B micro-panel);
//   L2: the KC×NC block of B, reused by every MR-row strip of A (MC = MR: one strip
//       per ic step, packed just before its sweep).
// Measured on a Sapphire Rapids core (L1d 48 KiB, L2 2 MiB; 1024³ and 2048³, one run):
// bf16 KC 384 / NC 1024 (a 24 KiB strip, a 768 KiB block) 1,443 and 1,414 GFLOP/s, where
// KC 640 (a 40 KiB strip) fell to 1,086 and NC 2048 (a 2 MiB block) to 805; int8 KC 768
// (24 KiB) / NC 1024 2,928 GOP/s at 2048³.
struct TileShares {
    double l1 = 0.5;
    double l2 = 0.375;
};
inline constexpr TileShares TILE_SHARES{};

// Cache sizes the model assumes when the CPU reports none (a modest x86-64 core).
inline constexpr long FALLBACK_L1 = 32L << 10;
inline constexpr long FALLBACK_L2 = 256L << 10;
inline constexpr long FALLBACK_L3 = 8L << 20;

// Hard limits on any blocking (model, tuned or given): keeps the packing buffers
// (MC×KC + KC×NC elements) under MAX_PACKED_BYTES.
inline constexpr int MAX_MC = 16384;
inline constexpr int MAX_KC = 16384;
inline constexpr int MAX_NC = 1 << 20;
inline constexpr long MAX_PACKED_BYTES = 256L << 20;

struct CacheSizes {
    long l1 = 0;
    long l2 = 0;
    long l3 = 0;
};

// Whether the kernel runs the 5-loop driver (its table row has cache blocks).
inline bool is_packed(const KernelInfo& info) {
    return info.blocking.KC > 0;
}

// Whether the kernel runs the shared 5-loop driver (gemm_loops.cpp): a packed f32/f64
// kernel, whose team shares its packed blocks. The bf16/int8 kernels (inputs narrower
// than the accumulator) have their own drivers; on a team each member runs one on its
// own rows of C (team_split.hpp).
inline bool uses_shared_driver(const KernelInfo& info) {
    return is_packed(info) && dtype_info(info.dtype).in_size == dtype_info(info.dtype).out_size;
}

// Whether the kernel runs on AMX tiles (its own driver and the TILE_SHARES rule).
inline bool is_tile_kernel(const KernelInfo& info) {
    return is_packed(info) && (info.required & FEAT_AMX_TILE) != 0;
}

// Whether the kernel runs the dot-product rule (DOT_SHARES): a packed kernel on
// AVX512_BF16 / AVX512_VNNI dot products, not on tiles.
inline bool is_dot_kernel(const KernelInfo& info) {
    return is_packed(info) && !is_tile_kernel(info) &&
           (info.required & (FEAT_AVX512_BF16 | FEAT_AVX512_VNNI)) != 0;
}

// The model's MC, KC, NC for `info`'s MR×NR and dtype on caches `c` (zeros in `c`
// take the FALLBACK_* sizes). For a kernel that does not pack: its table blocking.
//   KC = l1·L1 / (NR·size), a multiple of 8
//   MC = l2·L2 / (KC·size), a multiple of MR
//   NC = l3·L3 / (KC·size), a multiple of NR
// with MODEL_SHARES, or DOT_SHARES for a dot-product kernel. For a tile kernel (TILE_SHARES):
//   KC = l1·L1 / (MR·size), a multiple of one tile row (64 bytes of k)
//   MC = MR
//   NC = l2·L2 / (KC·size), a multiple of NR
Blocking model_blocking(const KernelInfo& info, const CacheSizes& c);

// The model on this CPU's detected caches.
Blocking model_blocking(const KernelInfo& info);

// The model's second rule, for narrow B (few columns n, deep k: e.g. 4096×64×4096).
// There every packed A element feeds only ceil(n/NR) micro-kernel calls, so what
// bounds the run is not B's micro-panel in L1 but the k/KC passes over C and the
// packing of A in short row pieces (KC elements each, one per row of A per pass).
// When the whole kc×n block of B fits in L2 at a KC at least NARROW_MIN_DEPTH times
// `base`'s (B is that much thinner than the L1 rule assumes: 4096×64×4096 f32 gives
// 16×; square shapes and 200×300×500 stay below 2×), the roles of A and B swap: B's
// block stays in L2 (read by every ir step) and KC grows to
//   KC = min(L2 / (n_padded·size), k rounded up to 8)  (fewer passes, long rows of A)
//   MC = l2·L2 / (KC·size), at least NARROW_MIN_PANELS row panels, at most base.MC
//   NC = min(base.NC, n_padded)                          (no B buffer wider than B)
// Otherwise (and for kernels that do not run the shared driver) returns `base`.
// Measured on Zen 4 at 4096×64×4096 f32: KC 4096 / MC 48 gave 92 GFLOPS where the
// L1 rule's KC 256 gave 76 (same run, alternating).
inline constexpr int NARROW_MIN_PANELS = 8;
inline constexpr int NARROW_MIN_DEPTH = 4;
Blocking narrow_blocking(const KernelInfo& info,
                         const Blocking& base,
                         std::int64_t m,
                         std::int64_t n,
                         std::int64_t k,
                         const CacheSizes& c);
Blocking narrow_blocking(const KernelInfo& info,
                         const Blocking& base,
                         std::int64_t m,
                         std::int64_t n,
                         std::int64_t k);

// "" when `blk` is valid for `info`, else one line saying why (MR/NR not the
// kernel's, MC not a multiple of MR, KC/MC/NC < 1 or over the limits).
std::string blocking_error(const KernelInfo& info, const Blocking& blk);

// The blocking to run `info` with: the model's, with each of mc, kc, nc that is > 0
// replacing the model's value. Throws std::invalid_argument (blocking_error's text)
// when the result is invalid, or when blocks are given for a kernel that does not pack.
Blocking resolve_blocking(const KernelInfo& info, int mc, int kc, int nc);

}  // namespace mm
