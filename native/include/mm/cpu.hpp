// CPU feature detection: CPUID bits confirmed by XGETBV (the OS saves the register
// state) and, for AMX, by Linux granting tile permission. Detected once per process.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mm {

enum Feature : std::uint64_t {
    FEAT_SSE2 = 1ull << 0,
    FEAT_AVX = 1ull << 1,
    FEAT_FMA = 1ull << 2,
    FEAT_AVX2 = 1ull << 3,
    FEAT_AVX512F = 1ull << 4,
    FEAT_AVX512DQ = 1ull << 5,
    FEAT_AVX512BW = 1ull << 6,
    FEAT_AVX512VL = 1ull << 7,
    FEAT_AVX512_VNNI = 1ull << 8,
    FEAT_AVX512_BF16 = 1ull << 9,
    FEAT_AMX_TILE = 1ull << 10,
    FEAT_AMX_BF16 = 1ull << 11,
    FEAT_AMX_INT8 = 1ull << 12,
    FEAT_AVX_VNNI = 1ull << 13,  // VEX VPDPBUSD on xmm/ymm (not part of AVX-512)
};

struct FeatureName {
    Feature bit;
    const char* name;
};

// Every feature bit with its lower-case name, in a stable order.
const std::vector<FeatureName>& feature_names();

// One cache level as the CPU describes it (zeros when unknown).
struct CacheLevel {
    long bytes = 0;
    int ways = 0;  // associativity (0 = unknown or fully associative)
    int line = 0;  // line size in bytes
};

struct CpuInfo {
    std::uint64_t detected = 0;  // what CPUID + OS support report
    std::uint64_t masked = 0;    // bits cleared by SSHAPP_DISABLE_ISA
    std::uint64_t features = 0;  // detected & ~masked: what kernels may use
    std::string vendor;
    std::string brand;
    int family = 0;  // CPUID display family and model (e.g. 25 / 17 = Zen 4)
    int model = 0;
    long l1d_bytes = 0;  // = l1d.bytes (and l2, l3): kept for callers that want bytes
    long l2_bytes = 0;
    long l3_bytes = 0;
    CacheLevel l1d, l2, l3;   // per core (L3: the slice one core's cluster shares)
    std::string cache_source;  // "cpuid 0x8000001d", "cpuid 4", "sysfs" or "sysconf"
    std::string amx_note;  // why AMX is absent although CPUID has it, or "not requested"
    std::vector<std::string> unknown_disable_names;
};

// Detected once (function-local static); SSHAPP_DISABLE_ISA is read at that moment.
const CpuInfo& cpu();

// Names of the bits of `mask`, comma separated ("avx2,fma").
std::string feature_list(std::uint64_t mask);

}  // namespace mm
