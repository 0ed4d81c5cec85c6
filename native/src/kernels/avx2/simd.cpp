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
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

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
    }
}

// One row: c[1×n] = a[1×k]·B[k×n], for the packed kernels' m == 1 case (a GEMV,
// bound by streaming B from memory once). Four rows of B per pass over c: four
// concurrent streams for the prefetchers, and one load/store of c per 4 FMAs.
template <typename S>
void row_times_matrix(const GemmArgs& g) {
    using T = typename S::T;
    using V = typename S::V;
    constexpr int W = S::W;
    const T* a = static_cast<const T*>(g.a);
    const T* B = static_cast<const T*>(g.b);
    T* c = static_cast<T*>(g.c);
    const std::int64_t n_full = g.n / W * W;
    const int tail = static_cast<int>(g.n - n_full);
    const __m256i tail_mask = S::mask(tail);
    std::fill(c, c + g.n, T(0));
    std::int64_t p = 0;
    for (; p + 4 <= g.k; p += 4) {
        const V a0 = S::set1(a[p]), a1 = S::set1(a[p + 1]);
        const V a2 = S::set1(a[p + 2]), a3 = S::set1(a[p + 3]);
        const T* b0 = B + p * g.ldb;
        const T* b1 = b0 + g.ldb;
        const T* b2 = b1 + g.ldb;
        const T* b3 = b2 + g.ldb;
        std::int64_t j = 0;
        for (; j < n_full; j += W) {
            V acc = S::load(c + j);
            acc = S::fma(a0, S::load(b0 + j), acc);
            acc = S::fma(a1, S::load(b1 + j), acc);
            acc = S::fma(a2, S::load(b2 + j), acc);
            acc = S::fma(a3, S::load(b3 + j), acc);
            S::store(c + j, acc);
        }
        if (tail != 0) {
            V acc = S::mload(c + j, tail_mask);
            acc = S::fma(a0, S::mload(b0 + j, tail_mask), acc);
            acc = S::fma(a1, S::mload(b1 + j, tail_mask), acc);
            acc = S::fma(a2, S::mload(b2 + j, tail_mask), acc);
            acc = S::fma(a3, S::mload(b3 + j, tail_mask), acc);
            S::mstore(c + j, tail_mask, acc);
        }
    }
    for (; p < g.k; ++p) {
        const V a0 = S::set1(a[p]);
        const T* b0 = B + p * g.ldb;
        std::int64_t j = 0;
        for (; j < n_full; j += W) S::store(c + j, S::fma(a0, S::load(b0 + j), S::load(c + j)));
        if (tail != 0) {
            V acc = S::fma(a0, S::mload(b0 + j, tail_mask), S::mload(c + j, tail_mask));
            S::mstore(c + j, tail_mask, acc);
        }
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

}  // namespace mm::avx2
