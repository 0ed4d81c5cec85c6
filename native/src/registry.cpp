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
#include "kernels/avx2/avx2_int8.hpp"
#endif
#if MM_HAVE_AVX_VNNI
#include "kernels/avx_vnni/avx_vnni.hpp"
#endif
#if MM_HAVE_AVX512
#include "kernels/avx512/avx512.hpp"
#endif
#if MM_HAVE_AVX512_LOWP
#include "kernels/avx512_lowp/avx512_lowp.hpp"
#endif
#if MM_HAVE_AMX
#include "kernels/amx/amx.hpp"
#endif

namespace mm {
namespace {

constexpr Blocking NONE{};
[[maybe_unused]] constexpr std::uint64_t AVX2 = FEAT_AVX2 | FEAT_FMA;
// The avx512/ folder is compiled with -mavx512f/bw/vl/dq (which imply AVX2 and FMA),
// so the compiler may emit any of them: a kernel from there needs them all.
[[maybe_unused]] constexpr std::uint64_t AVX512 =
    AVX2 | FEAT_AVX512F | FEAT_AVX512DQ | FEAT_AVX512BW | FEAT_AVX512VL;
// avx512_lowp/ adds -mavx512bf16 -mavx512vnni to the AVX-512 flags: both kernels there
// need both bits (the compiler may use either extension in either file). amx/ adds the
// AMX flags to the AVX-512 ones (its packers are AVX-512 code).
[[maybe_unused]] constexpr std::uint64_t AVX512_LOWP =
    AVX512 | FEAT_AVX512_BF16 | FEAT_AVX512_VNNI;
[[maybe_unused]] constexpr std::uint64_t AMX =
    AVX512 | FEAT_AMX_TILE | FEAT_AMX_BF16 | FEAT_AMX_INT8;
// avx_vnni/ is the AVX2 flags plus -mavxvnni (VEX only, no AVX-512).
[[maybe_unused]] constexpr std::uint64_t AVX_VNNI = AVX2 | FEAT_AVX_VNNI;

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
    // ---- bf16 (A, B bfloat16; C f32) ---------------------------------------------
#if MM_HAVE_AMX
    {"amx.tiles_32x32.bf16", "AMX TDPBF16PS, 2x2 tiles of 16x16 f32 (32x32 block), packed",
     DType::BF16, AMX, amx::TILES_32X32_BF16, amx::gemm_tiles_32x32_bf16},
#endif
#if MM_HAVE_AVX512_LOWP
    {"avx512.packed_14x32.bf16", "packed 5-loop GEMM on VDPBF16PS (bf16 pairs), 14x32 tile",
     DType::BF16, AVX512_LOWP, avx512_lowp::PACKED_14X32_BF16,
     avx512_lowp::gemm_packed_14x32_bf16},
#endif
#if MM_HAVE_AVX2
    // AVX2 only (no bf16 instructions): f32 FMAs on exact widenings. Last two fields:
    // bytes per packed element of A and B (the packers widen to f32), for the model.
    {"avx2.widen_ukr_6x16.bf16", "6x16 f32 FMAs, B kept bf16 in its panels, widened in the "
     "micro-kernel", DType::BF16, AVX2, avx2::WIDEN_UKR_6X16_BF16,
     avx2::gemm_widen_ukr_6x16_bf16, 4, 2},
    {"avx2.widen_pack_6x16.bf16", "bf16 widened to f32 while packing, then the 6x16 f32 "
     "micro-kernel", DType::BF16, AVX2, avx2::WIDEN_PACK_6X16_BF16,
     avx2::gemm_widen_pack_6x16_bf16, 4, 4},
#endif
    {"ref.naive.bf16", "i-j-k triple loop in f32 on bf16 inputs; the bf16 oracle", DType::BF16,
     0, NONE, ref::gemm_naive_bf16},
    // ---- int8 (A, B int8; C int32, wrapping) --------------------------------------
#if MM_HAVE_AMX
    {"amx.tiles_32x32.int8", "AMX TDPBSSD, 2x2 tiles of 16x16 int32 (32x32 block), packed",
     DType::INT8, AMX, amx::TILES_32X32_INT8, amx::gemm_tiles_32x32_int8},
#endif
#if MM_HAVE_AVX512_LOWP
    {"avx512.packed_14x32.int8", "packed 5-loop GEMM on VPDPBUSD (u8 x s8 quads, A+128), 14x32",
     DType::INT8, AVX512_LOWP, avx512_lowp::PACKED_14X32_INT8,
     avx512_lowp::gemm_packed_14x32_int8},
#endif
#if MM_HAVE_AVX_VNNI
    {"avxvnni.packed_6x16.int8",
     "packed 5-loop GEMM on AVX-VNNI VPDPBUSD ymm (u8 x s8 quads, A+128), 6x16", DType::INT8,
     AVX_VNNI, avx_vnni::PACKED_6X16_INT8, avx_vnni::gemm_packed_6x16_int8},
#endif
#if MM_HAVE_AVX2
    {"avx2.packed_6x16.int8", "packed 5-loop GEMM on VPMADDWD (int8 -> int16 pairs), 6x16",
     DType::INT8, AVX2, avx2::PACKED_6X16_INT8, avx2::gemm_packed_6x16_int8},
#endif
    {"ref.naive.int8", "i-j-k triple loop, int32 wrapping sum; the int8 oracle", DType::INT8,
     0, NONE, ref::gemm_naive_int8},
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
