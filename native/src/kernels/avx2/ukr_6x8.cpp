// Step 4 of the f64 ladder: avx2/ukr_4x16.cpp with doubles and six rows, a 6×8
// register-blocked outer-product micro-kernel reading A and B in place (no packing).
// A ymm holds 4 doubles, so NR halves to 8; six rows give 12 accumulators (the FMA
// latency × pipes of a Zen or Intel core is 8, so 8 would leave no slack), 12 + 2 B
// vectors + 1 broadcast = 15 of 16 ymm. Everything else is ukr_4x16.cpp's reasoning.
// On small products (64³) it beats the packed step: nothing to pack, and at that
// size A and B fit in L1/L2 anyway, so the host-best measurement picks it there.
//
// Operation: C[m×n] = A[m×k]·B[k×n], row-major, any shape, any alignment.
//
//   for each 6-row block i of A (its 6×k slice: 48 KiB at k = 1024, L2):
//     for each 8-column panel j of B:
//       acc[6][2] = 0                                 (12 ymm accumulators)
//       for p in 0..k:                                 B[p, j:j+8] = b0 b1 (2 ymm)
//         for r in 0..6: a = broadcast A[i+r, p]       (1 ymm)
//                        acc[r][0] += a·b0; acc[r][1] += a·b1
//       C[i:i+4, j:j+16] = acc                         (stored once, after the k loop)
//
// What it adds over avx2.simd.f64: C stops round-tripping through memory on every
// FMA (it is accumulated in registers for the whole k loop), and each B vector
// loaded is used by 4 rows instead of 1, cutting B traffic 4×. Nothing is packed
// yet: B is read with a stride of ldb, so each row touches a new cache line and
// the B panel does not stay cached between row blocks: memory still caps it.
// Blocking: MR=6, NR=8 in the table (MC/KC/NC = 0: no cache blocking, no packing).
// Edges: leftover rows run the same code with their own height; leftover columns use masked
// loads/stores (vmaskmov never touches the masked-out lanes' memory).
#include <immintrin.h>

#include <cstdint>

#include "kernels/avx2/avx2.hpp"

namespace mm::avx2 {
namespace {

constexpr int MR = 6;
constexpr int NR = 8;
constexpr std::int64_t PF_ROWS = 16;  // rows of B ahead: covers L3 latency at this rate

alignas(32) constexpr std::int64_t LANES[12] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0};

// Masks for the first and second ymm of an 8-column panel holding `cols` columns.
__m256i mask_lo(int cols) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(LANES + 8 - cols));
}
__m256i mask_hi(int cols) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(LANES + 8 - (cols - 4)));
}

// ROWS×8 tile of C = A[ROWS×k]·B[k×8]; `cols` < 8 masks the panel's tail.
template <int ROWS, bool FULL>
void tile(std::int64_t k,
          const double* a,
          std::int64_t lda,
          const double* b,
          std::int64_t ldb,
          double* c,
          std::int64_t ldc,
          int cols) {
    __m256d acc0[ROWS], acc1[ROWS];
#pragma GCC unroll 8
    for (int r = 0; r < ROWS; ++r) acc0[r] = acc1[r] = _mm256_setzero_pd();
    const __m256i m0 = FULL ? __m256i{} : mask_lo(cols < 4 ? cols : 4);
    const __m256i m1 = FULL ? __m256i{} : mask_hi(cols > 4 ? cols : 4);
    // [lesson:loop]
    for (std::int64_t p = 0; p < k; ++p) {
        const double* bp = b + p * ldb;
        // Rows of B are ldb apart (often on another page, where the hardware
        // prefetchers stop): ask for the row PF_ROWS ahead so B streams instead of
        // missing on every row. Into L2 only: at a power-of-two ldb every row of a
        // panel maps to the same L1 set, and 16 rows in flight would evict A there.
        if (p + PF_ROWS < k) {
            _mm_prefetch(reinterpret_cast<const char*>(bp + PF_ROWS * ldb), _MM_HINT_T1);
        }
        const __m256d b0 = FULL ? _mm256_loadu_pd(bp) : _mm256_maskload_pd(bp, m0);
        const __m256d b1 = FULL ? _mm256_loadu_pd(bp + 4) : _mm256_maskload_pd(bp + 4, m1);
#pragma GCC unroll 8
        for (int r = 0; r < ROWS; ++r) {
            const __m256d av = _mm256_broadcast_sd(a + r * lda + p);
            acc0[r] = _mm256_fmadd_pd(av, b0, acc0[r]);
            acc1[r] = _mm256_fmadd_pd(av, b1, acc1[r]);
        }
    }
    // [/lesson:loop]
#pragma GCC unroll 8
    for (int r = 0; r < ROWS; ++r) {
        double* cr = c + r * ldc;
        if (FULL) {
            _mm256_storeu_pd(cr, acc0[r]);
            _mm256_storeu_pd(cr + 4, acc1[r]);
        } else {
            _mm256_maskstore_pd(cr, m0, acc0[r]);
            _mm256_maskstore_pd(cr + 4, m1, acc1[r]);
        }
    }
}

template <int ROWS>
void row_block(const GemmArgs& g, std::int64_t i) {
    const double* A = static_cast<const double*>(g.a) + i * g.lda;
    const double* B = static_cast<const double*>(g.b);
    double* C = static_cast<double*>(g.c) + i * g.ldc;
    std::int64_t j = 0;
    for (; j + NR <= g.n; j += NR) tile<ROWS, true>(g.k, A, g.lda, B + j, g.ldb, C + j, g.ldc, NR);
    if (j < g.n) {
        tile<ROWS, false>(g.k, A, g.lda, B + j, g.ldb, C + j, g.ldc, static_cast<int>(g.n - j));
    }
}

}  // namespace

void gemm_ukr_6x8_f64(const GemmArgs& args, const Blocking& /*blk*/) {
    std::int64_t i = 0;
    for (; i + MR <= args.m; i += MR) row_block<MR>(args, i);
    // Leftover rows in one block of their own height (64 = 10·6 + 4: one 4-row block).
    switch (args.m - i) {
        case 5: row_block<5>(args, i); break;
        case 4: row_block<4>(args, i); break;
        case 3: row_block<3>(args, i); break;
        case 2: row_block<2>(args, i); break;
        case 1: row_block<1>(args, i); break;
        default: break;
    }
}

}  // namespace mm::avx2
