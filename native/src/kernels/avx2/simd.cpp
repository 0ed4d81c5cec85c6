// Step 3 of the ladder: the i-k-j loop of ref.reorder with the inner loop written in
// explicit 256-bit AVX2 FMA instead of the compiler's baseline SSE2.
//
// Operation: C[m×n] = A[m×k]·B[k×n], row-major, any shape, any alignment.
//
//   for i:          C[i,:] = 0
//     for p:        a = broadcast A[i,p]
//       for j by 8: C[i,j:j+8] += a·B[p,j:j+8]         (one vfmadd231ps)
//
// What it adds over ref.reorder: 8 f32 (4 f64) lanes per instruction and a fused
// multiply-add (one instruction, one rounding) where baseline x86-64 has 4 lanes and
// separate mul + add. The tail columns use masked loads/stores (vmaskmov), which
// never touch memory past the row.
//
// Register budget: 1 broadcast of A + a few B and C vectors in flight (of 16 ymm).
// No register blocking yet: every FMA loads C[i,j:j+8] from L1 and stores it back
// (2 memory operations per FMA, which caps it near half the FMA rate), and every
// row i streams all of B from L2/L3.
// Blocking: none (all zero in the table).
//
// Also here, the skinny path (avx2.skinny.*, a side row of the table, not a ladder
// step): m == 1 (row vector × matrix), n == 1 (matrix × column vector) and very
// small k. Those products do 2 FLOPs per element of the big operand, so they are
// bound by streaming it from memory once; packing (an extra copy) and padding the
// vector to a 6-row tile only cost. These stream the matrix once with FMA.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/avx2/avx2.hpp"

namespace mm::avx2 {
namespace {

// Lane masks for the last (partial) vector of a row: mask_for(r) enables r lanes.
alignas(32) constexpr std::int32_t MASK32[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                 0,  0,  0,  0,  0,  0,  0,  0};
alignas(32) constexpr std::int64_t MASK64[8] = {-1, -1, -1, -1, 0, 0, 0, 0};

struct F32 {
    using T = float;
    using V = __m256;
    static constexpr int W = 8;
    static V zero() { return _mm256_setzero_ps(); }
    static V set1(T x) { return _mm256_set1_ps(x); }
    static V load(const T* p) { return _mm256_loadu_ps(p); }
    static void store(T* p, V v) { _mm256_storeu_ps(p, v); }
    static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
    static V add(V a, V b) { return _mm256_add_ps(a, b); }
    static T sum(V v) {
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
    }
    static __m256i mask(int r) {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(MASK32 + 8 - r));
    }
    static V mload(const T* p, __m256i m) { return _mm256_maskload_ps(p, m); }
    static void mstore(T* p, __m256i m, V v) { _mm256_maskstore_ps(p, m, v); }
};

struct F64 {
    using T = double;
    using V = __m256d;
    static constexpr int W = 4;
    static V zero() { return _mm256_setzero_pd(); }
    static V set1(T x) { return _mm256_set1_pd(x); }
    static V load(const T* p) { return _mm256_loadu_pd(p); }
    static void store(T* p, V v) { _mm256_storeu_pd(p, v); }
    static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
    static V add(V a, V b) { return _mm256_add_pd(a, b); }
    static T sum(V v) {
        __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
        return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
    }
    static __m256i mask(int r) {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(MASK64 + 4 - r));
    }
    static V mload(const T* p, __m256i m) { return _mm256_maskload_pd(p, m); }
    static void mstore(T* p, __m256i m, V v) { _mm256_maskstore_pd(p, m, v); }
};

template <typename S>
void simd(const GemmArgs& g) {
    using T = typename S::T;
    using V = typename S::V;
    constexpr int W = S::W;
    const T* A = static_cast<const T*>(g.a);
    const T* B = static_cast<const T*>(g.b);
    T* C = static_cast<T*>(g.c);
    const std::int64_t n_full = g.n / W * W;
    const int tail = static_cast<int>(g.n - n_full);
    const __m256i tail_mask = S::mask(tail);
    for (std::int64_t i = 0; i < g.m; ++i) {
        T* c = C + i * g.ldc;
        const T* a = A + i * g.lda;
        std::fill(c, c + g.n, T(0));
        // [lesson:loop]
        for (std::int64_t p = 0; p < g.k; ++p) {
            const V a0 = S::set1(a[p]);
            const T* b0 = B + p * g.ldb;
            std::int64_t j = 0;
            for (; j < n_full; j += W) S::store(c + j, S::fma(a0, S::load(b0 + j), S::load(c + j)));
            if (tail != 0) {
                V acc = S::fma(a0, S::mload(b0 + j, tail_mask), S::mload(c + j, tail_mask));
                S::mstore(c + j, tail_mask, acc);
            }
        }
        // [/lesson:loop]
    }
}

// One row: c[1×n] = a[1×k]·B[k×n], a GEMV bound by streaming B from memory once.
// Eight rows of B per pass over c: eight concurrent sequential streams for the
// hardware prefetchers, and one load/store of c (16 KiB at n = 4096 f32: L1-resident)
// per 8 FMAs. (Measured on Zen 4 at 1×4096×4096: 8 rows beat 4 and 16, and software
// prefetching 512 B ahead in each stream cost 11 %: the hardware already streams.)
constexpr int GEMV_ROWS = 8;

template <typename S>
void row_times_matrix(const GemmArgs& g) {
    using T = typename S::T;
    using V = typename S::V;
    constexpr int W = S::W;
    constexpr int R = GEMV_ROWS;
    const T* a = static_cast<const T*>(g.a);
    const T* B = static_cast<const T*>(g.b);
    T* c = static_cast<T*>(g.c);
    const std::int64_t n_full = g.n / W * W;
    const int tail = static_cast<int>(g.n - n_full);
    const __m256i tail_mask = S::mask(tail);
    std::fill(c, c + g.n, T(0));
    for (std::int64_t p = 0; p < g.k; p += R) {
        const int rows = static_cast<int>(std::min<std::int64_t>(R, g.k - p));
        V av[R];
        const T* b[R];
        for (int r = 0; r < R; ++r) {
            // Rows past k multiply a zero, reading the last real row again (in bounds).
            av[r] = S::set1(r < rows ? a[p + r] : T(0));
            b[r] = B + (p + std::min(r, rows - 1)) * g.ldb;
        }
        std::int64_t j = 0;
        for (; j < n_full; j += W) {
            // Two chains of four FMAs instead of one of eight: half the latency per j.
            V even = S::load(c + j);
            V odd = S::zero();
#pragma GCC unroll 8
            for (int r = 0; r < R; r += 2) {
                even = S::fma(av[r], S::load(b[r] + j), even);
                odd = S::fma(av[r + 1], S::load(b[r + 1] + j), odd);
            }
            S::store(c + j, S::add(even, odd));
        }
        if (tail != 0) {
            V acc = S::mload(c + j, tail_mask);
            for (int r = 0; r < R; ++r) acc = S::fma(av[r], S::mload(b[r] + j, tail_mask), acc);
            S::mstore(c + j, tail_mask, acc);
        }
    }
}

// Matrix times column vector: c[m×1] = A[m×k]·b[k×1], the n == 1 case. Each row of
// A is read once, four rows per pass so every load of b feeds four FMAs; b (k
// elements) stays in L1/L2. Two accumulators per row hide the FMA latency.
template <typename S>
void matrix_times_column(const GemmArgs& g) {
    using T = typename S::T;
    using V = typename S::V;
    constexpr int W = S::W;
    const T* A = static_cast<const T*>(g.a);
    const T* b = static_cast<const T*>(g.b);  // k×1 with stride ldb
    T* C = static_cast<T*>(g.c);
    const std::int64_t k_full = g.k / W * W;
    const int tail = static_cast<int>(g.k - k_full);
    const __m256i tail_mask = S::mask(tail);
    std::vector<T> packed_b;  // b is a column: gather it once if it is strided
    if (g.ldb != 1) {
        packed_b.resize(static_cast<std::size_t>(g.k));
        for (std::int64_t p = 0; p < g.k; ++p) packed_b[p] = b[p * g.ldb];
        b = packed_b.data();
    }
    constexpr int R = 4;
    std::int64_t i = 0;
    for (; i < g.m; i += R) {
        const int rows = static_cast<int>(std::min<std::int64_t>(R, g.m - i));
        V acc0[R], acc1[R];
        for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = S::zero();
        const T* a[R];
        for (int r = 0; r < R; ++r) a[r] = A + (i + std::min(r, rows - 1)) * g.lda;
        std::int64_t p = 0;
        for (; p + 2 * W <= k_full; p += 2 * W) {
            const V b0 = S::load(b + p), b1 = S::load(b + p + W);
#pragma GCC unroll 4
            for (int r = 0; r < R; ++r) {
                acc0[r] = S::fma(S::load(a[r] + p), b0, acc0[r]);
                acc1[r] = S::fma(S::load(a[r] + p + W), b1, acc1[r]);
            }
        }
        for (; p < k_full; p += W) {
            const V b0 = S::load(b + p);
            for (int r = 0; r < R; ++r) acc0[r] = S::fma(S::load(a[r] + p), b0, acc0[r]);
        }
        if (tail != 0) {
            const V b0 = S::mload(b + p, tail_mask);
            for (int r = 0; r < R; ++r) {
                acc1[r] = S::fma(S::mload(a[r] + p, tail_mask), b0, acc1[r]);
            }
        }
        for (int r = 0; r < rows; ++r) C[(i + r) * g.ldc] = S::sum(S::add(acc0[r], acc1[r]));
    }
}

// Any shape, one row of C at a time, each by row_times_matrix: for m == 1 a GEMV
// streaming B once, for small k (k ≤ 4: one pass) a rank-k update writing C once.
template <typename S>
void rows_times_matrix(const GemmArgs& g) {
    using T = typename S::T;
    for (std::int64_t i = 0; i < g.m; ++i) {
        GemmArgs row = g;
        row.m = 1;
        row.a = static_cast<const T*>(g.a) + i * g.lda;
        row.c = static_cast<T*>(g.c) + i * g.ldc;
        row_times_matrix<S>(row);
    }
}

}  // namespace

void gemm_simd_f32(const GemmArgs& args, const Blocking& /*blk*/) {
    simd<F32>(args);
}

void gemm_simd_f64(const GemmArgs& args, const Blocking& /*blk*/) {
    simd<F64>(args);
}

void gemv_f32(const GemmArgs& args) {
    row_times_matrix<F32>(args);
}

void gemv_f64(const GemmArgs& args) {
    row_times_matrix<F64>(args);
}

void gemm_skinny_f32(const GemmArgs& args, const Blocking& /*blk*/) {
    if (args.n == 1) {
        matrix_times_column<F32>(args);
    } else {
        rows_times_matrix<F32>(args);
    }
}

void gemm_skinny_f64(const GemmArgs& args, const Blocking& /*blk*/) {
    if (args.n == 1) {
        matrix_times_column<F64>(args);
    } else {
        rows_times_matrix<F64>(args);
    }
}

}  // namespace mm::avx2
