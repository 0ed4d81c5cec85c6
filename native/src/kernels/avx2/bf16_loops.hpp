// The 5-loop driver of the AVX2 bf16 kernels (widen_6x16.cpp, bf16_6x16.cpp): A and B
// bfloat16, C float, a 6x16 register block of f32 FMAs. Declarations only (baseline code
// may include it); bf16_loops.cpp defines the driver and the shared A packer with this
// folder's flags.
//
// The two steps differ only in what their packed panels hold (the packers and the
// micro-kernel are each step's own), so the driver takes them as one Bf16Panels value.
#pragma once

#include <cstdint>

#include "mm/types.hpp"

namespace mm::avx2 {

// A panel packer: the mc x kc block at `a` (bf16, row-major, leading dimension lda)
// into MR-row panels at `dst`, zero-padded to whole panels.
using Bf16PackA = void (*)(std::int64_t mc,
                           std::int64_t kc,
                           const std::uint16_t* a,
                           std::int64_t lda,
                           void* dst);
// B panel packer: the kc x nc block at `b` into NR-column panels at `dst` (64-byte
// aligned), zero-padded to whole panels.
using Bf16PackB = void (*)(std::int64_t kc,
                           std::int64_t nc,
                           const std::uint16_t* b,
                           std::int64_t ldb,
                           void* dst);
// One full 6x16 tile: C = A_panel . B_panel (+ C when accumulate) over k steps.
using Bf16Ukr = void (*)(std::int64_t k,
                         const void* a_panel,
                         const void* b_panel,
                         float* c,
                         std::int64_t ldc,
                         bool accumulate);

struct Bf16Panels {
    Bf16PackA pack_a;
    Bf16PackB pack_b;
    Bf16Ukr ukr;
    int a_bytes;  // bytes per packed element of A (4: widened to f32)
    int b_bytes;  // bytes per packed element of B (4: widened, 2: kept bf16)
};

// C = A.B (bf16 in, f32 out) for row-major arrays of any shape, blocks MC, KC, NC from
// `blk` (MR x NR must be 6 x 16); on args.team each member runs it on its own rows (or
// columns) of C with its own packed blocks (team_split.hpp).
void gemm_bf16_6x16(const GemmArgs& args, const Blocking& blk, const Bf16Panels& panels);

// The A packer both steps use: bf16 widened to f32 (a 16-bit shift), 6-row panels
// [a(0,p) .. a(5,p)] per p, as packed_6x16.cpp's micro-kernel reads them.
void pack_a_6_widened(std::int64_t mc,
                      std::int64_t kc,
                      const std::uint16_t* a,
                      std::int64_t lda,
                      void* dst);

}  // namespace mm::avx2
