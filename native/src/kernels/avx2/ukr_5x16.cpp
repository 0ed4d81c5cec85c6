// Step 4b of the ladder, the "15 registers" kernel: a 5×16 register-blocked
// outer-product micro-kernel reading A and B in place (no packing). The code is
// avx2.ukr_4x16's with one more row; only MR and this comment differ.
//
// Operation: C[m×n] = A[m×k]·B[k×n], row-major, any shape, any alignment.
//
//   for each 5-row block i of A (its 5×k slice stays in L1: 20 KiB at k = 1024):
//     for each 16-column panel j of B:
//       acc[5][2] = 0                                 (10 ymm accumulators)
//       for p in 0..k:                                 B[p, j:j+16] = b0 b1 (2 ymm)
//         for r in 0..5: a = broadcast A[i+r, p]       (1 ymm)
//                        acc[r][0] += a·b0; acc[r][1] += a·b1
//       C[i:i+5, j:j+16] = acc                         (stored once, after the k loop)
//
// Register budget: 10 accumulators + 2 B vectors + 1-2 broadcasts = 13-14 of 16
// ymm ("15 registers" counting one broadcast spare).
// MR×NR = 5×16: 10 independent FMA chains cover the FMA latency × 2 pipes
// (4 cycles × 2 = 8 on Zen 3) with margin, where 4×16's 8 chains only just do.
// What it adds over avx2.ukr_4x16: 25 % more FMAs per B vector loaded (5 rows share
// it instead of 4), so less B traffic per FLOP, and more FMAs in flight. Still no
// packing: B is read with a stride of ldb, so memory still caps it.
// Blocking: MR=5, NR=16 in the table (MC/KC/NC = 0: no cache blocking, no packing).
// Edges: leftover rows run the same code with 1 row; leftover columns use masked
// loads/stores (vmaskmov never touches the masked-out lanes' memory).
#include <immintrin.h>

#include <cstdint>

#include "kernels/avx2/avx2.hpp"

namespace mm::avx2 {
namespace {

constexpr int MR = 5;
constexpr int NR = 16;
constexpr std::int64_t PF_ROWS = 16;  // rows of B ahead: covers L3 latency at this rate

alignas(32) constexpr std::int32_t LANES[24] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                                -1, -1, -1, -1, 0,  0,  0,  0,  0,  0,  0,  0};

// Masks for the first and second ymm of a 16-column panel holding `cols` columns.
__m256i mask_lo(int cols) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(LANES + 16 - cols));
}
__m256i mask_hi(int cols) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(LANES + 16 - (cols - 8)));
}

// ROWS×16 tile of C = A[ROWS×k]·B[k×16]; `cols` < 16 masks the panel's tail.
template <int ROWS, bool FULL>
void tile(std::int64_t k,
          const float* a,
          std::int64_t lda,
          const float* b,
          std::int64_t ldb,
          float* c,
          std::int64_t ldc,
          int cols) {
    __m256 acc0[ROWS], acc1[ROWS];
#pragma GCC unroll 8
    for (int r = 0; r < ROWS; ++r) acc0[r] = acc1[r] = _mm256_setzero_ps();
    const __m256i m0 = FULL ? __m256i{} : mask_lo(cols < 8 ? cols : 8);
    const __m256i m1 = FULL ? __m256i{} : mask_hi(cols > 8 ? cols : 8);
    // [lesson:loop]
    for (std::int64_t p = 0; p < k; ++p) {
        const float* bp = b + p * ldb;
        // Rows of B are ldb apart (often on another page, where the hardware
        // prefetchers stop): ask for the row PF_ROWS ahead so B streams instead of
        // missing on every row. Into L2 only: at a power-of-two ldb every row of a
        // panel maps to the same L1 set, and 16 rows in flight would evict A there.
        if (p + PF_ROWS < k) {
            _mm_prefetch(reinterpret_cast<const char*>(bp + PF_ROWS * ldb), _MM_HINT_T1);
        }
        const __m256 b0 = FULL ? _mm256_loadu_ps(bp) : _mm256_maskload_ps(bp, m0);
        const __m256 b1 = FULL ? _mm256_loadu_ps(bp + 8) : _mm256_maskload_ps(bp + 8, m1);
#pragma GCC unroll 8
        for (int r = 0; r < ROWS; ++r) {
            const __m256 av = _mm256_broadcast_ss(a + r * lda + p);
            acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);
            acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
        }
    }
    // [/lesson:loop]
#pragma GCC unroll 8
    for (int r = 0; r < ROWS; ++r) {
        float* cr = c + r * ldc;
        if (FULL) {
            _mm256_storeu_ps(cr, acc0[r]);
            _mm256_storeu_ps(cr + 8, acc1[r]);
        } else {
            _mm256_maskstore_ps(cr, m0, acc0[r]);
            _mm256_maskstore_ps(cr + 8, m1, acc1[r]);
        }
    }
}

template <int ROWS>
void row_block(const GemmArgs& g, std::int64_t i) {
    const float* A = static_cast<const float*>(g.a) + i * g.lda;
    const float* B = static_cast<const float*>(g.b);
    float* C = static_cast<float*>(g.c) + i * g.ldc;
    std::int64_t j = 0;
    for (; j + NR <= g.n; j += NR) tile<ROWS, true>(g.k, A, g.lda, B + j, g.ldb, C + j, g.ldc, NR);
    if (j < g.n) {
        tile<ROWS, false>(g.k, A, g.lda, B + j, g.ldb, C + j, g.ldc, static_cast<int>(g.n - j));
    }
}

}  // namespace

void gemm_ukr_5x16_f32(const GemmArgs& args, const Blocking& /*blk*/) {
    std::int64_t i = 0;
    for (; i + MR <= args.m; i += MR) row_block<MR>(args, i);
    for (; i < args.m; ++i) row_block<1>(args, i);
}

}  // namespace mm::avx2
