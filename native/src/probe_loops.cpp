// Which loop measures which ISA and dtype, and how many operations one of its
// iterations performs. Baseline x86-64 code: it only calls into the ISA folders, and
// probes.cpp calls it only after the CPU check.
#include "probe_loops.hpp"

#include <stdexcept>
#include <string>

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

// Slightly below 1 and a small addend: every lane stays finite and normal.
constexpr double MUL = 0.9999999;
constexpr double ADD = 1e-7;

}  // namespace

FmaLoop fma_loop(const std::string& isa, DType dt) {
#if MM_HAVE_AVX2
    if (isa == "avx2") {
        constexpr double lanes_f32 = 8, lanes_f64 = 4;
        constexpr double n = avx2::FMA_PEAK_ACCUMULATORS;
        if (dt == DType::F32) {
            return {[](std::int64_t it) -> double {
                        return avx2::fma_peak_f32(it, static_cast<float>(MUL),
                                                  static_cast<float>(ADD));
                    },
                    2 * n * lanes_f32};
        }
        if (dt == DType::F64) {
            return {[](std::int64_t it) -> double { return avx2::fma_peak_f64(it, MUL, ADD); },
                    2 * n * lanes_f64};
        }
        if (dt == DType::INT8) {  // VPMADDWD + VPADDD: 8 lanes x 2 pairs x 2 (madd_peak.cpp)
            return {[](std::int64_t it) -> double { return avx2::madd_peak(it); },
                    avx2::MADD_PEAK_ACCUMULATORS * 8 * 2 * 2};
        }
        throw std::invalid_argument("no avx2 FMA probe for " + std::string(dtype_name(dt)));
    }
#endif
#if MM_HAVE_AVX512
    if (isa == "avx512") {
        constexpr double lanes_f32 = 16, lanes_f64 = 8;
        constexpr double n = avx512::FMA_PEAK_ACCUMULATORS;
        if (dt == DType::F32) {
            return {[](std::int64_t it) -> double {
                        return avx512::fma_peak_f32(it, static_cast<float>(MUL),
                                                    static_cast<float>(ADD));
                    },
                    2 * n * lanes_f32};
        }
        if (dt == DType::F64) {
            return {[](std::int64_t it) -> double { return avx512::fma_peak_f64(it, MUL, ADD); },
                    2 * n * lanes_f64};
        }
        throw std::invalid_argument("no avx512 FMA probe for " + std::string(dtype_name(dt)));
    }
#endif
#if MM_HAVE_AVX_VNNI
    if (isa == "avx_vnni") {  // VEX VPDPBUSD ymm: 8 lanes x 4 x 2 (avx_vnni/dpbusd_peak.cpp)
        return {[](std::int64_t it) -> double { return avx_vnni::dpbusd_peak(it); },
                avx_vnni::DPBUSD_PEAK_ACCUMULATORS * 8 * 4 * 2};
    }
#endif
#if MM_HAVE_AVX512_LOWP
    // Dot products: 2 operations per multiply-add (avx512_lowp/dot_peak.cpp).
    constexpr double dots = avx512_lowp::DOT_PEAK_ACCUMULATORS;
    if (isa == "avx512_bf16") {
        return {[](std::int64_t it) -> double { return avx512_lowp::dpbf16_peak(it); },
                dots * 16 * 2 * 2};
    }
    if (isa == "avx512_vnni") {
        return {[](std::int64_t it) -> double { return avx512_lowp::dpbusd_peak(it); },
                dots * 16 * 4 * 2};
    }
#endif
#if MM_HAVE_AMX
    if (isa == "amx") {
        // Per TDP on one 16 x 16 C tile: K = 32 bf16 or 64 int8 (amx/tdp_peak.cpp).
        constexpr double tiles = amx::TDP_PEAK_TILES;
        if (dt == DType::BF16) {
            return {[](std::int64_t it) -> double { return amx::tdpbf16_peak(it); },
                    tiles * 16 * 16 * 32 * 2};
        }
        return {[](std::int64_t it) -> double { return amx::tdpbssd_peak(it); },
                tiles * 16 * 16 * 64 * 2};
    }
#endif
    throw std::runtime_error(isa + " FMA probe was not compiled into this build");
}

bool probe_measures(const std::string& isa, DType dt) {
    if (isa == "avx2") return dt == DType::F32 || dt == DType::F64 || dt == DType::INT8;
    if (isa == "avx512") return dt == DType::F32 || dt == DType::F64;
    if (isa == "avx_vnni") return dt == DType::INT8;
    if (isa == "avx512_bf16") return dt == DType::BF16;
    if (isa == "avx512_vnni") return dt == DType::INT8;
    return dt == DType::BF16 || dt == DType::INT8;  // amx
}

}  // namespace mm
