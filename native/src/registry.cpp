// THE kernel table. Grouped by dtype, fastest first within a group, ref.naive last,
// so best(dtype) is the first supported row (oneDNN / simdjson style). Adding a kernel
// = one source file, one declaration in its ISA header, one row here.
#include "mm/registry.hpp"

#include <cstring>

#include "mm/cpu.hpp"
#include "kernels/ref/ref.hpp"

namespace mm {
namespace {

constexpr Blocking NONE{};

const KernelInfo KERNELS[] = {
    // ---- f32 ------------------------------------------------------------------
    {"ref.reorder.f32", "i-k-j loop order: unit-stride inner loop, compiler-vectorised",
     DType::F32, 0, NONE, ref::gemm_reorder_f32},
    {"ref.naive.f32", "i-j-k triple loop; the reference every test trusts", DType::F32, 0, NONE,
     ref::gemm_naive_f32},
    // ---- f64 ------------------------------------------------------------------
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

const KernelInfo* best(DType dtype) {
    for (const auto& k : KERNELS) {
        if (k.dtype == dtype && is_supported(k)) return &k;
    }
    return nullptr;
}

}  // namespace mm
