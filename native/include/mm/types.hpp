// Plain data shared by every layer of the native engine: element types, GEMM
// arguments and cache-blocking parameters. Declarations and constexpr data only,
// so any ISA-flagged file may include it safely.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mm {

enum class DType : int { F32 = 0, F64 = 1 };

constexpr const char* dtype_name(DType t) {
    return t == DType::F32 ? "f32" : "f64";
}

constexpr std::size_t dtype_size(DType t) {
    return t == DType::F32 ? 4 : 8;
}

// C[m×n] = A[m×k]·B[k×n], all row-major; leading dimensions are in elements.
// C is overwritten (beta = 0). The pointers are typed by the kernel's dtype.
struct GemmArgs {
    std::int64_t m;
    std::int64_t n;
    std::int64_t k;
    const void* a;
    std::int64_t lda;
    const void* b;
    std::int64_t ldb;
    void* c;
    std::int64_t ldc;
};

// Register block MR×NR and cache blocks MC (rows of A per L2 block), KC (depth per
// L1-resident panel) and NC (columns of B per L3 block), named exactly as in BLIS.
// Zero means "does not apply to this kernel".
struct Blocking {
    int MR = 0;
    int NR = 0;
    int MC = 0;
    int KC = 0;
    int NC = 0;
};

}  // namespace mm
