// Step 1 of the ladder: the textbook i-j-k triple loop, C[m×n] = A[m×k]·B[k×n],
// row-major.
//
// Each C element is one dot product: a row of A (unit stride) against a column of B
// (stride ldb). The column walk touches a new cache line for every multiply-add, so
// at large n each FMA waits on memory: this is the floor the ladder climbs from.
// No blocking (Blocking is all zero). It is also the oracle the tests trust: the
// accumulation order is plain and sequential in k.
#include "kernels/ref/ref.hpp"

#include <cstdint>

namespace mm::ref {
namespace {

template <typename T>
void naive(const GemmArgs& g) {
    const T* A = static_cast<const T*>(g.a);
    const T* B = static_cast<const T*>(g.b);
    T* C = static_cast<T*>(g.c);
    // [lesson:loop]
    for (std::int64_t i = 0; i < g.m; ++i) {
        for (std::int64_t j = 0; j < g.n; ++j) {
            T sum = 0;
            for (std::int64_t p = 0; p < g.k; ++p) sum += A[i * g.lda + p] * B[p * g.ldb + j];
            C[i * g.ldc + j] = sum;
        }
    }
    // [/lesson:loop]
}

}  // namespace

void gemm_naive_f32(const GemmArgs& args, const Blocking& /*blk*/) {
    naive<float>(args);
}

void gemm_naive_f64(const GemmArgs& args, const Blocking& /*blk*/) {
    naive<double>(args);
}

}  // namespace mm::ref
