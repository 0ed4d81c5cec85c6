// The analytical cache-blocking model and blocking validation (see mm/blocking.hpp).
// Baseline x86-64 code: arithmetic on the detected cache sizes only.
#include "mm/blocking.hpp"

#include <algorithm>
#include <stdexcept>

#include "mm/cpu.hpp"

namespace mm {
namespace {

int round_down(long x, int to, int least) {
    return static_cast<int>(std::max<long>(least, x / to * to));
}

}  // namespace

Blocking model_blocking(const KernelInfo& info, const CacheSizes& c) {
    if (!is_packed(info)) return info.blocking;
    const long size = static_cast<long>(dtype_size(info.dtype));
    const long l1 = c.l1 > 0 ? c.l1 : FALLBACK_L1;
    const long l2 = c.l2 > 0 ? c.l2 : FALLBACK_L2;
    const long l3 = c.l3 > 0 ? c.l3 : FALLBACK_L3;
    Blocking b = info.blocking;
    if (is_tile_kernel(info)) {
        const int row = static_cast<int>(64 / size);  // elements of k in a tile row
        const long kc = static_cast<long>(TILE_SHARES.l1 * l1) / (b.MR * size);
        b.KC = std::min(round_down(kc, row, row), MAX_KC / row * row);
        b.MC = b.MR;
        const long nc = static_cast<long>(TILE_SHARES.l2 * l2) / (b.KC * size);
        b.NC = std::min(round_down(nc, b.NR, b.NR), MAX_NC / b.NR * b.NR);
        return b;
    }
    const ModelShares& shares = is_dot_kernel(info) ? DOT_SHARES : MODEL_SHARES;
    const long a_size = packed_a_size(info), b_size = packed_b_size(info);
    const long kc = static_cast<long>(shares.l1 * l1) / (b.NR * b_size);
    b.KC = std::min(round_down(kc, 8, 8), MAX_KC);
    const long mc = static_cast<long>(shares.l2 * l2) / (b.KC * a_size);
    b.MC = std::min(round_down(mc, b.MR, b.MR), MAX_MC / b.MR * b.MR);
    const long nc = static_cast<long>(shares.l3 * l3) / (b.KC * b_size);
    b.NC = std::min(round_down(nc, b.NR, b.NR), MAX_NC / b.NR * b.NR);
    return b;
}

Blocking model_blocking(const KernelInfo& info) {
    const CpuInfo& cpu_info = cpu();
    return model_blocking(info, {cpu_info.l1d.bytes, cpu_info.l2.bytes, cpu_info.l3.bytes});
}

Blocking narrow_blocking(const KernelInfo& info,
                         const Blocking& base,
                         std::int64_t m,
                         std::int64_t n,
                         std::int64_t k,
                         const CacheSizes& c) {
    if (!uses_shared_driver(info) || m < 1 || n < 1 || k < 1) return base;
    const long size = static_cast<long>(dtype_size(info.dtype));
    const long l2 = c.l2 > 0 ? c.l2 : FALLBACK_L2;
    const long n_padded = (n + base.NR - 1) / base.NR * base.NR;
    const long k_padded = (k + 7) / 8 * 8;
    const long fits = l2 / (n_padded * size);
    const long kc = std::min<long>({round_down(fits, 8, 8), k_padded, MAX_KC});
    if (kc < NARROW_MIN_DEPTH * static_cast<long>(base.KC)) return base;
    Blocking b = base;
    b.KC = static_cast<int>(kc);
    const long mc = static_cast<long>(MODEL_SHARES.l2 * l2) / (kc * size);
    const int least = NARROW_MIN_PANELS * b.MR;
    b.MC = std::min(std::max(round_down(mc, b.MR, b.MR), least), std::max(base.MC, least));
    b.MC = std::min(b.MC, MAX_MC / b.MR * b.MR);
    b.NC = static_cast<int>(std::min<long>(base.NC, n_padded));
    return blocking_error(info, b).empty() ? b : base;
}

Blocking narrow_blocking(const KernelInfo& info,
                         const Blocking& base,
                         std::int64_t m,
                         std::int64_t n,
                         std::int64_t k) {
    const CpuInfo& cpu_info = cpu();
    return narrow_blocking(info, base, m, n, k,
                           {cpu_info.l1d.bytes, cpu_info.l2.bytes, cpu_info.l3.bytes});
}

std::string blocking_error(const KernelInfo& info, const Blocking& blk) {
    const std::string id = info.id;
    if (!is_packed(info)) {
        if (blk.MC != 0 || blk.KC != 0 || blk.NC != 0) {
            return id + " does not use cache blocks (MC, KC, NC apply to packed kernels)";
        }
        return "";
    }
    if (blk.MR != info.blocking.MR || blk.NR != info.blocking.NR) {
        return id + " has a " + std::to_string(info.blocking.MR) + "x" +
               std::to_string(info.blocking.NR) + " micro-kernel, not " +
               std::to_string(blk.MR) + "x" + std::to_string(blk.NR);
    }
    if (blk.KC < 1 || blk.KC > MAX_KC) {
        return "KC must be 1.." + std::to_string(MAX_KC) + ", got " + std::to_string(blk.KC);
    }
    if (blk.MC < blk.MR || blk.MC > MAX_MC || blk.MC % blk.MR != 0) {
        return "MC must be a multiple of MR=" + std::to_string(blk.MR) + " in " +
               std::to_string(blk.MR) + ".." + std::to_string(MAX_MC) + ", got " +
               std::to_string(blk.MC);
    }
    if (blk.NC < 1 || blk.NC > MAX_NC) {
        return "NC must be 1.." + std::to_string(MAX_NC) + ", got " + std::to_string(blk.NC);
    }
    const long nc_padded = (static_cast<long>(blk.NC) + blk.NR - 1) / blk.NR * blk.NR;
    const long bytes =
        (static_cast<long>(blk.MC) * packed_a_size(info) + nc_padded * packed_b_size(info)) *
        blk.KC;
    if (bytes > MAX_PACKED_BYTES) {
        return "packing buffers (MC + NC) x KC would take " + std::to_string(bytes >> 20) +
               " MiB; the limit is " + std::to_string(MAX_PACKED_BYTES >> 20) + " MiB";
    }
    return "";
}

Blocking resolve_blocking(const KernelInfo& info, int mc, int kc, int nc) {
    Blocking b = model_blocking(info);
    if (!is_packed(info)) {
        b.MC = mc;
        b.KC = kc;
        b.NC = nc;
        std::string err = blocking_error(info, b);
        if (!err.empty()) throw std::invalid_argument(err);
        return info.blocking;
    }
    if (mc > 0) b.MC = mc;
    if (kc > 0) b.KC = kc;
    if (nc > 0) b.NC = nc;
    if (mc < 0 || kc < 0 || nc < 0) {
        throw std::invalid_argument("MC, KC and NC must be >= 1 (0 = the model's value)");
    }
    std::string err = blocking_error(info, b);
    if (!err.empty()) throw std::invalid_argument(err);
    return b;
}

}  // namespace mm
