// THE kernel table. Grouped by dtype, the ladder from its top step down to ref.naive
// (oneDNN / simdjson style), side paths that are not ladder steps (avx2.skinny.*)
// after the step they branch from. Table order is the ladder, not a ranking: which
// kernel is fastest on a host is measured (sshapp.bench.hostbest), never read off
// this order. Adding a kernel = one source file, one declaration in its ISA header,
// one row here.
#include "mm/registry.hpp"

#include <cstring>

#include "mm/cpu.hpp"
#include "kernels/ref/ref.hpp"
#if MM_HAVE_AVX2
#include "kernels/avx2/avx2.hpp"
#endif
#if MM_HAVE_AVX512
#include "kernels/avx512/avx512.hpp"
#endif

namespace mm {
namespace {

constexpr Blocking NONE{};
[[maybe_unused]] constexpr std::uint64_t AVX2 = FEAT_AVX2 | FEAT_FMA;
// The avx512/ folder is compiled with -mavx512f/bw/vl/dq (which imply AVX2 and FMA),
// so the compiler may emit any of them: a kernel from there needs them all.
[[maybe_unused]] constexpr std::uint64_t AVX512 =
    AVX2 | FEAT_AVX512F | FEAT_AVX512DQ | FEAT_AVX512BW | FEAT_AVX512VL;

const KernelInfo KERNELS[] = {
    // ---- f32 ------------------------------------------------------------------
#if MM_HAVE_AVX512
    {"avx512.packed_14x32.f32", "packed, cache-blocked 5-loop GEMM, 14x32 AVX-512 (28 acc.)",
     DType::F32, AVX512, avx512::PACKED_14X32_F32, avx512::gemm_packed_14x32_f32},
#endif
#if MM_HAVE_AVX2
    {"avx2.packed_6x16.f32", "packed, cache-blocked 5-loop GEMM, 6x16 micro-kernel (12 acc.)",
     DType::F32, AVX2, avx2::PACKED_6X16_F32, avx2::gemm_packed_6x16_f32},
    {"avx2.ukr_5x16.f32", "\"15 registers\": 5x16 register block (10 accumulators), no packing",
     DType::F32, AVX2, {5, 16, 0, 0, 0}, avx2::gemm_ukr_5x16_f32},
    {"avx2.ukr_4x16.f32", "\"12 registers\": 4x16 register block (8 accumulators), no packing",
     DType::F32, AVX2, {4, 16, 0, 0, 0}, avx2::gemm_ukr_4x16_f32},
    {"avx2.simd.f32", "i-k-j with explicit 256-bit FMA (8 lanes), no register blocking",
     DType::F32, AVX2, NONE, avx2::gemm_simd_f32},
    {"avx2.skinny.f32", "skinny path (m=1, n=1, small k): streams the matrix once, no packing",
     DType::F32, AVX2, NONE, avx2::gemm_skinny_f32},
#endif
    {"ref.reorder.f32", "i-k-j loop order: unit-stride inner loop, compiler-vectorised",
     DType::F32, 0, NONE, ref::gemm_reorder_f32},
    {"ref.naive.f32", "i-j-k triple loop; the reference every test trusts", DType::F32, 0, NONE,
     ref::gemm_naive_f32},
    // ---- f64 ------------------------------------------------------------------
#if MM_HAVE_AVX512
    {"avx512.packed_14x16.f64", "packed, cache-blocked 5-loop GEMM, 14x16 AVX-512 (28 acc.)",
     DType::F64, AVX512, avx512::PACKED_14X16_F64, avx512::gemm_packed_14x16_f64},
#endif
#if MM_HAVE_AVX2
    {"avx2.packed_6x8.f64", "packed, cache-blocked 5-loop GEMM, 6x8 micro-kernel (12 acc.)",
     DType::F64, AVX2, avx2::PACKED_6X8_F64, avx2::gemm_packed_6x8_f64},
    {"avx2.ukr_6x8.f64", "6x8 register block (12 accumulators), no packing",
     DType::F64, AVX2, {6, 8, 0, 0, 0}, avx2::gemm_ukr_6x8_f64},
    {"avx2.simd.f64", "i-k-j with explicit 256-bit FMA (4 lanes), no register blocking",
     DType::F64, AVX2, NONE, avx2::gemm_simd_f64},
    {"avx2.skinny.f64", "skinny path (m=1, n=1, small k): streams the matrix once, no packing",
     DType::F64, AVX2, NONE, avx2::gemm_skinny_f64},
#endif
    {"ref.reorder.f64", "i-k-j loop order: unit-stride inner loop, compiler-vectorised",
     DType::F64, 0, NONE, ref::gemm_reorder_f64},
    {"ref.naive.f64", "i-j-k triple loop; the reference every test trusts", DType::F64, 0, NONE,
     ref::gemm_naive_f64},
};

}  // namespace

std::span<const KernelInfo> all_kernels() {
    return KERNELS;
}

const KernelInfo* find(const char* id) {
    for (const auto& k : KERNELS) {
        if (std::strcmp(k.id, id) == 0) return &k;
    }
    return nullptr;
}

std::uint64_t missing_features(const KernelInfo& info) {
    return info.required & ~cpu().features;
}

}  // namespace mm
