// Step 2 of the ladder: the same arithmetic as naive.cpp with the loops in i-k-j
// order, C[m×n] = A[m×k]·B[k×n], row-major.
//
// What it adds: the innermost loop now walks a row of B and a row of C with unit
// stride (C[i,:] += A[i,p]·B[p,:]), so every cache line fetched is used whole and the
// compiler can vectorise it with baseline SSE2. Still no blocking: for large n the
// row of C and all of B stream from L2/L3 on every i, so bandwidth caps it.
#include <algorithm>
#include <cstdint>

#include "kernels/ref/ref.hpp"

namespace mm::ref {
namespace {

template <typename T>
void reorder(const GemmArgs& g) {
    const T* A = static_cast<const T*>(g.a);
    const T* B = static_cast<const T*>(g.b);
    T* C = static_cast<T*>(g.c);
    // [lesson:loop]
    for (std::int64_t i = 0; i < g.m; ++i) {
        T* __restrict c = C + i * g.ldc;
        std::fill(c, c + g.n, T(0));
        for (std::int64_t p = 0; p < g.k; ++p) {
            const T a = A[i * g.lda + p];
            const T* __restrict b = B + p * g.ldb;
            for (std::int64_t j = 0; j < g.n; ++j) c[j] += a * b[j];
        }
    }
    // [/lesson:loop]
}

}  // namespace

void gemm_reorder_f32(const GemmArgs& args, const Blocking& /*blk*/) {
    reorder<float>(args);
}

void gemm_reorder_f64(const GemmArgs& args, const Blocking& /*blk*/) {
    reorder<double>(args);
}

}  // namespace mm::ref
