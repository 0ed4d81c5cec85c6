// Plain data shared by every layer of the native engine: element types, GEMM
// arguments and cache-blocking parameters. Declarations and constexpr data only,
// so any ISA-flagged file may include it safely.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mm {

class ThreadPool;  // src/threads.hpp

enum class DType : int { F32 = 0, F64 = 1, BF16 = 2, INT8 = 3 };

// One row per dtype, indexed by the enum (BLIS's num_t tables, oneDNN's data_type
// traits): every per-type question is answered here, never by an if on the dtype.
//   f32, f64: A, B and C of the same type.
//   bf16:     A and B bfloat16 (stored as the upper 16 bits of an f32, uint16_t),
//             C float: the semantics of VDPBF16PS / AMX TDPBF16PS.
//   int8:     A and B signed int8, C int32 (wrapping): AMX TDPBSSD, torch._int_mm.
// The element types are also given as buffer-protocol format characters (Python's
// struct module: f float, d double, H uint16, b int8, i int32), which is how the
// bindings check the arrays they are given; bf16 crosses as its uint16 bit pattern.
struct DTypeInfo {
    DType dtype;
    const char* name;
    std::size_t in_size;     // bytes per element of A and B
    std::size_t out_size;    // bytes per element of C (the accumulator type)
    const char* in_format;   // element type of A and B
    const char* out_format;  // element type of C
};

inline constexpr DTypeInfo DTYPES[] = {
    {DType::F32, "f32", 4, 4, "f", "f"},
    {DType::F64, "f64", 8, 8, "d", "d"},
    {DType::BF16, "bf16", 2, 4, "H", "f"},
    {DType::INT8, "int8", 1, 4, "b", "i"},
};

inline constexpr int DTYPE_COUNT = static_cast<int>(sizeof(DTYPES) / sizeof(DTYPES[0]));

// Rows are indexed by the enum: a row out of place is a compile error.
static_assert([] {
    for (int i = 0; i < DTYPE_COUNT; ++i) {
        if (static_cast<int>(DTYPES[i].dtype) != i) return false;
    }
    return true;
}());

constexpr const DTypeInfo& dtype_info(DType t) {
    return DTYPES[static_cast<int>(t)];
}

constexpr const char* dtype_name(DType t) {
    return dtype_info(t).name;
}

// Bytes per element of A and B.
constexpr std::size_t dtype_size(DType t) {
    return dtype_info(t).in_size;
}

// The row named `name` ("f32", "bf16", ...), or nullptr.
constexpr const DTypeInfo* find_dtype(const char* name) {
    for (const auto& row : DTYPES) {
        const char* a = row.name;
        const char* b = name;
        while (*a != 0 && *a == *b) {
            ++a;
            ++b;
        }
        if (*a == *b) return &row;
    }
    return nullptr;
}

// C[m×n] = A[m×k]·B[k×n], all row-major; leading dimensions are in elements.
// C is overwritten (beta = 0). The pointers are typed by the kernel's dtype.
// `team`: the threads a packed kernel's driver splits the work over (nullptr: the
// calling thread alone); kernels that do not pack never get one (the caller refuses).
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
    ThreadPool* team = nullptr;
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
