// CPU detection, once per process. Baseline x86-64 code: it must run on any CPU, so
// it only uses CPUID, XGETBV (after checking OSXSAVE) and, unless SSHAPP_DISABLE_ISA
// masks AMX, one arch_prctl call (amx_permission.cpp).
#include "mm/cpu.hpp"

#include <cpuid.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "amx_permission.hpp"

namespace mm {
namespace {

struct Regs {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
};

Regs cpuid(unsigned leaf, unsigned subleaf = 0) {
    Regs r;
    __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
    return r;
}

std::uint64_t xgetbv0() {
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

bool bit(unsigned reg, int n) {
    return ((reg >> n) & 1u) != 0;
}

// CPUID leaf 0x1D subleaf 1 (palette 1): EBX[15:0] bytes per row, EBX[31:16] tile
// names, ECX[15:0] rows. The AMX kernels use 8 tiles of 16 x 64 bytes.
bool palette1_fits() {
    const Regs p = cpuid(0x1D, 1);
    return (p.ebx & 0xFFFF) >= 64 && (p.ebx >> 16) >= 8 && (p.ecx & 0xFFFF) >= 16;
}

constexpr std::uint64_t AVX512_ALL = FEAT_AVX512F | FEAT_AVX512DQ | FEAT_AVX512BW |
                                     FEAT_AVX512VL | FEAT_AVX512_VNNI | FEAT_AVX512_BF16;
constexpr std::uint64_t AMX_ALL = FEAT_AMX_TILE | FEAT_AMX_BF16 | FEAT_AMX_INT8;

std::string trim(std::string s) {
    auto not_space = [](unsigned char ch) { return !std::isspace(ch); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

void read_identity(CpuInfo& info) {
    Regs v = cpuid(0);
    char vendor[13] = {};
    std::memcpy(vendor + 0, &v.ebx, 4);
    std::memcpy(vendor + 4, &v.edx, 4);
    std::memcpy(vendor + 8, &v.ecx, 4);
    info.vendor = vendor;
    if (cpuid(0x80000000).eax >= 0x80000004) {
        char brand[49] = {};
        for (unsigned i = 0; i < 3; ++i) {
            Regs r = cpuid(0x80000002 + i);
            std::memcpy(brand + 16 * i + 0, &r.eax, 4);
            std::memcpy(brand + 16 * i + 4, &r.ebx, 4);
            std::memcpy(brand + 16 * i + 8, &r.ecx, 4);
            std::memcpy(brand + 16 * i + 12, &r.edx, 4);
        }
        info.brand = trim(brand);
    }
    Regs l1 = cpuid(1);
    unsigned base_family = (l1.eax >> 8) & 0xF;
    info.family = static_cast<int>(base_family == 0xF ? base_family + ((l1.eax >> 20) & 0xFF)
                                                      : base_family);
    info.model = static_cast<int>(((l1.eax >> 4) & 0xF) |
                                  (base_family >= 6 ? ((l1.eax >> 16) & 0xF) << 4 : 0));
}

// Deterministic cache parameters: CPUID leaf 4 (Intel) and 0x8000001D (AMD, with
// TOPOEXT) share one format, one subleaf per cache until type 0 (no more caches).
bool caches_from_cpuid(CpuInfo& info) {
    unsigned leaf = 0;
    if (info.vendor == "GenuineIntel" && cpuid(0).eax >= 4) {
        leaf = 4;
    } else if (info.vendor == "AuthenticAMD" && cpuid(0x80000000).eax >= 0x8000001D &&
               bit(cpuid(0x80000001).ecx, 22)) {
        leaf = 0x8000001D;
    } else {
        return false;
    }
    for (unsigned sub = 0; sub < 16; ++sub) {
        Regs r = cpuid(leaf, sub);
        unsigned type = r.eax & 0x1F;  // 1 data, 2 instruction, 3 unified
        if (type == 0) break;
        if (type == 2) continue;
        unsigned level = (r.eax >> 5) & 0x7;
        CacheLevel c;
        c.ways = static_cast<int>((r.ebx >> 22) + 1);
        c.line = static_cast<int>((r.ebx & 0xFFF) + 1);
        long partitions = ((r.ebx >> 12) & 0x3FF) + 1;
        c.bytes = static_cast<long>(c.ways) * partitions * c.line * (static_cast<long>(r.ecx) + 1);
        if (bit(r.eax, 9)) c.ways = 0;  // fully associative
        if (level == 1) info.l1d = c;
        if (level == 2) info.l2 = c;
        if (level == 3) info.l3 = c;
    }
    if (info.l1d.bytes == 0 || info.l2.bytes == 0) return false;
    info.cache_source = leaf == 4 ? "cpuid 4" : "cpuid 0x8000001d";
    return true;
}

long read_long(const std::string& path) {
    std::ifstream f(path);
    std::string text;
    if (!(f >> text) || text.empty()) return 0;
    long value = std::strtol(text.c_str(), nullptr, 10);
    if (text.back() == 'K') value <<= 10;
    if (text.back() == 'M') value <<= 20;
    return value;
}

// Linux's view of cpu0's caches (the kernel read the same CPUID leaves, or firmware).
bool caches_from_sysfs(CpuInfo& info) {
    for (int i = 0; i < 8; ++i) {
        std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
        std::ifstream type_file(dir + "type");
        std::string type;
        if (!(type_file >> type)) break;
        if (type == "Instruction") continue;
        CacheLevel c;
        c.bytes = read_long(dir + "size");
        c.ways = static_cast<int>(read_long(dir + "ways_of_associativity"));
        c.line = static_cast<int>(read_long(dir + "coherency_line_size"));
        long level = read_long(dir + "level");
        if (level == 1) info.l1d = c;
        if (level == 2) info.l2 = c;
        if (level == 3) info.l3 = c;
    }
    if (info.l1d.bytes == 0 || info.l2.bytes == 0) return false;
    info.cache_source = "sysfs";
    return true;
}

void read_caches(CpuInfo& info) {
    if (!caches_from_cpuid(info) && !caches_from_sysfs(info)) {
        // glibc's numbers; its L3 may be multiplied by the threads sharing it.
        info.l1d.bytes = std::max(0L, sysconf(_SC_LEVEL1_DCACHE_SIZE));
        info.l2.bytes = std::max(0L, sysconf(_SC_LEVEL2_CACHE_SIZE));
        info.l3.bytes = std::max(0L, sysconf(_SC_LEVEL3_CACHE_SIZE));
        info.cache_source = "sysconf";
    }
    info.l1d_bytes = info.l1d.bytes;
    info.l2_bytes = info.l2.bytes;
    info.l3_bytes = info.l3.bytes;
}

// `disabled`: the SSHAPP_DISABLE_ISA mask, parsed first so that a masked AMX is never
// asked for (every tile instruction needs AMX-TILE: with amx_tile masked nothing could
// use the permission, and the request itself can fail or be filtered).
std::uint64_t detect_features(CpuInfo& info, std::uint64_t disabled) {
    std::uint64_t f = FEAT_SSE2;  // part of x86-64 itself
    unsigned max_leaf = cpuid(0).eax;
    Regs l1 = cpuid(1);
    if (!bit(l1.ecx, 27)) {  // no OSXSAVE: XGETBV is illegal, no AVX state saved
        return f;
    }
    std::uint64_t xcr0 = xgetbv0();
    bool ymm_ok = (xcr0 & 0x6) == 0x6;     // SSE + AVX state
    bool zmm_ok = (xcr0 & 0xE6) == 0xE6;   // + opmask, ZMM_Hi256, Hi16_ZMM
    bool tile_ok = (xcr0 & 0x60000) == 0x60000;  // XTILECFG + XTILEDATA
    if (ymm_ok && bit(l1.ecx, 28)) f |= FEAT_AVX;
    if (ymm_ok && bit(l1.ecx, 12)) f |= FEAT_FMA;
    if (max_leaf < 7) return f;
    Regs l7 = cpuid(7, 0);
    if (ymm_ok && bit(l7.ebx, 5)) f |= FEAT_AVX2;
    if (ymm_ok && l7.eax >= 1 && bit(cpuid(7, 1).eax, 4)) f |= FEAT_AVX_VNNI;
    if (zmm_ok) {
        if (bit(l7.ebx, 16)) f |= FEAT_AVX512F;
        if (bit(l7.ebx, 17)) f |= FEAT_AVX512DQ;
        if (bit(l7.ebx, 30)) f |= FEAT_AVX512BW;
        if (bit(l7.ebx, 31)) f |= FEAT_AVX512VL;
        if (bit(l7.ecx, 11)) f |= FEAT_AVX512_VNNI;
        if (l7.eax >= 1 && bit(cpuid(7, 1).eax, 5)) f |= FEAT_AVX512_BF16;
    }
    std::uint64_t amx = 0;
    if (bit(l7.edx, 24)) amx |= FEAT_AMX_TILE;
    if (bit(l7.edx, 22)) amx |= FEAT_AMX_BF16;
    if (bit(l7.edx, 25)) amx |= FEAT_AMX_INT8;
    if (amx != 0) {
        if (!tile_ok) {
            info.amx_note = "the OS does not enable AMX tile state (XCR0)";
        } else if (max_leaf < 0x1D || cpuid(0x1D, 0).eax < 1) {
            // A VM may advertise AMX with zero palettes: oneDNN treats that as no AMX.
            info.amx_note = "CPUID reports no AMX tile palette";
        } else if (!palette1_fits()) {
            info.amx_note = "AMX palette 1 is smaller than 8 tiles of 16 rows x 64 bytes";
        } else if ((disabled & FEAT_AMX_TILE) != 0) {
            // Present as far as CPUID and XCR0 tell (so its state reads "masked").
            f |= amx;
            info.amx_note = "AMX tile permission not requested: SSHAPP_DISABLE_ISA masks it";
        } else {
            // Asked once per process (cpu() is computed once); the grant covers every
            // thread, present and future. A refusal means "absent", with the reason.
            info.amx_note = request_amx_permission();
            if (info.amx_note.empty()) f |= amx;
        }
    }
    return f;
}

// SSHAPP_DISABLE_ISA=avx512,amx: group names clear every bit of their family.
std::uint64_t parse_disable(const char* env, std::vector<std::string>& unknown) {
    std::uint64_t mask = 0;
    if (env == nullptr) return mask;
    std::stringstream ss(env);
    std::string item;
    while (std::getline(ss, item, ',')) {
        item = trim(item);
        std::transform(item.begin(), item.end(), item.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (item.empty()) continue;
        if (item == "avx512") {
            mask |= AVX512_ALL;
            continue;
        }
        if (item == "amx") {
            mask |= AMX_ALL;
            continue;
        }
        bool found = false;
        for (const auto& fn : feature_names()) {
            if (item == fn.name) {
                mask |= fn.bit;
                found = true;
            }
        }
        if (!found) unknown.push_back(item);
    }
    return mask & ~static_cast<std::uint64_t>(FEAT_SSE2);
}

}  // namespace

const std::vector<FeatureName>& feature_names() {
    static const std::vector<FeatureName> names = {
        {FEAT_SSE2, "sse2"},
        {FEAT_AVX, "avx"},
        {FEAT_FMA, "fma"},
        {FEAT_AVX2, "avx2"},
        {FEAT_AVX512F, "avx512f"},
        {FEAT_AVX512DQ, "avx512dq"},
        {FEAT_AVX512BW, "avx512bw"},
        {FEAT_AVX512VL, "avx512vl"},
        {FEAT_AVX512_VNNI, "avx512_vnni"},
        {FEAT_AVX512_BF16, "avx512_bf16"},
        {FEAT_AMX_TILE, "amx_tile"},
        {FEAT_AMX_BF16, "amx_bf16"},
        {FEAT_AMX_INT8, "amx_int8"},
        {FEAT_AVX_VNNI, "avx_vnni"},
    };
    return names;
}

std::string feature_list(std::uint64_t mask) {
    std::string out;
    for (const auto& fn : feature_names()) {
        if ((mask & fn.bit) != 0) {
            if (!out.empty()) out += ",";
            out += fn.name;
        }
    }
    return out;
}

const CpuInfo& cpu() {
    static const CpuInfo info = [] {
        CpuInfo c;
        read_identity(c);
        read_caches(c);
        const std::uint64_t disabled =
            parse_disable(std::getenv("SSHAPP_DISABLE_ISA"), c.unknown_disable_names);
        c.detected = detect_features(c, disabled);
        c.masked = disabled & c.detected;
        c.features = c.detected & ~c.masked;
        return c;
    }();
    return info;
}

}  // namespace mm
