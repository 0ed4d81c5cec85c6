// Machine probes (baseline x86-64 code): timing and calibration. Which loop measures
// which ISA and dtype is probe_loops.cpp; the loops themselves live in the ISA folders
// (kernels/<isa>/*_peak.cpp) and are called only after the CPU check, so no unsupported
// instruction ever runs.
//
// The bandwidth probe is plain C++: a triad streams from and to DRAM whatever
// instructions issue the loads, and baseline SSE2 code saturates one core's memory
// path. The arrays are sized far beyond the last-level cache so no pass hits in it.
#include "mm/probes.hpp"

#include <algorithm>
#include <ctime>
#include <cstdlib>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "mm/cpu.hpp"
#include "aligned.hpp"
#include "pin.hpp"
#include "threads.hpp"
#include "probe_loops.hpp"
#if MM_HAVE_AVX2
#include "kernels/avx2/avx2.hpp"  // the read probe
#endif

namespace mm {
namespace {

// CPU time of this thread, not wall time: a ceiling is what the core does while it
// runs our loop. On a shared host the scheduler may hand the core to someone else
// mid-run, and wall time would count that against the machine's peak.
double thread_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}


volatile double g_sink = 0;  // keeps every probe's result observable

}  // namespace

std::uint64_t fma_probe_requires(const std::string& isa) {
    if (isa == "avx2") return FEAT_AVX2 | FEAT_FMA;
    if (isa == "avx_vnni") return FEAT_AVX2 | FEAT_FMA | FEAT_AVX_VNNI;  // avx_vnni/'s flags
    // Same rule as the kernel table: the avx512/ folder is compiled with F/DQ/BW/VL.
    if (isa == "avx512") {
        return FEAT_AVX2 | FEAT_FMA | FEAT_AVX512F | FEAT_AVX512DQ | FEAT_AVX512BW |
               FEAT_AVX512VL;
    }
    // The low-precision folders' flag sets (registry.cpp): avx512_lowp/ both BF16 and
    // VNNI on top of AVX-512, amx/ the three AMX bits on top of AVX-512.
    if (isa == "avx512_bf16" || isa == "avx512_vnni") {
        return fma_probe_requires("avx512") | FEAT_AVX512_BF16 | FEAT_AVX512_VNNI;
    }
    if (isa == "amx") {
        return fma_probe_requires("avx512") | FEAT_AMX_TILE | FEAT_AMX_BF16 | FEAT_AMX_INT8;
    }
    throw std::invalid_argument(
        "unknown ISA '" + isa +
        "' (expected avx2, avx_vnni, avx512, avx512_bf16, avx512_vnni or amx)");
}

namespace {

// Doubles the iteration count until one run of `loop` lasts a millisecond (this also
// warms the core up to its vector clock), then returns the count for one of RUNS runs
// lasting `seconds` in total.
constexpr int RUNS = 5;

std::int64_t calibrate(const FmaLoop& loop, double seconds) {
    std::int64_t iters = 1000;
    double t = 0;
    for (;;) {
        const double t0 = thread_seconds();
        g_sink = g_sink + loop.run(iters);
        t = thread_seconds() - t0;
        if (t >= 1e-3 || iters > (std::int64_t{1} << 40)) break;
        iters *= 2;
    }
    return std::max<std::int64_t>(
        1, static_cast<std::int64_t>(static_cast<double>(iters) * (seconds / RUNS) / t));
}

// The loop on every member of `team` at once (they start together at a barrier): the
// sum of the members' rates, best of RUNS. Each member's rate is in its own CPU time,
// so a member the scheduler preempted does not count against the machine; a unit the
// members share shows as rates that do not add up.
double team_rate(const FmaLoop& loop, std::int64_t iters, ThreadPool& team) {
    std::vector<double> secs(static_cast<std::size_t>(team.size()));
    double best = 0;
    for (int r = 0; r < RUNS; ++r) {
        auto job = [&](int member) {
            team.barrier();
            const double t0 = thread_seconds();
            const double v = loop.run(iters);
            secs[static_cast<std::size_t>(member)] = thread_seconds() - t0;
            if (member == 0) g_sink = g_sink + v;
        };
        team.run(job);
        double sum = 0;
        for (double s : secs) sum += loop.flops_per_iter * static_cast<double>(iters) / s / 1e9;
        best = std::max(best, sum);
    }
    return best;
}

}  // namespace

double probe_fma_gflops(const std::string& isa,
                        DType dtype,
                        double seconds,
                        int pin_core,
                        int threads) {
    if (!probe_measures(isa, dtype)) {
        throw std::invalid_argument("the " + isa + " probe does not measure " +
                                    dtype_name(dtype));
    }
    std::uint64_t missing = fma_probe_requires(isa) & ~cpu().features;
    if (missing != 0) {
        throw std::runtime_error(isa + " FMA probe is not supported on this CPU: missing " +
                                 feature_list(missing));
    }
    if (!(seconds > 0) || seconds > 10) {
        throw std::invalid_argument("probe seconds must be in (0, 10]");
    }
    const FmaLoop loop = fma_loop(isa, dtype);
    const std::vector<int> cores = threads == 1 ? std::vector<int>{} : team_cores(pin_core, threads);
    CorePin pin(cores.empty() ? pin_core : cores[0]);
    const std::int64_t iters = calibrate(loop, seconds);
    if (!cores.empty()) {
        ThreadPool team(cores);
        return team_rate(loop, iters, team);
    }
    double best = 1e300;
    for (int r = 0; r < RUNS; ++r) {
        const double t0 = thread_seconds();
        g_sink = g_sink + loop.run(iters);
        best = std::min(best, thread_seconds() - t0);
    }
    return loop.flops_per_iter * static_cast<double>(iters) / best / 1e9;
}

double probe_bandwidth_gbs(std::size_t bytes, int repeats, int pin_core) {
    if (bytes < (std::size_t{3} << 20) || bytes > (std::size_t{4} << 30)) {
        throw std::invalid_argument("bandwidth probe size must be between 3 MiB and 4 GiB");
    }
    if (repeats < 1) throw std::invalid_argument("repeats must be >= 1");
    const std::size_t n = bytes / 3 / sizeof(double) / 8 * 8;
    const std::size_t each = n * sizeof(double);
    AlignedBuffer pa = aligned_bytes(each);
    AlignedBuffer pb = aligned_bytes(each);
    AlignedBuffer pc = aligned_bytes(each);
    double* __restrict a = static_cast<double*>(pa.get());
    double* __restrict b = static_cast<double*>(pb.get());
    double* __restrict c = static_cast<double*>(pc.get());
    CorePin pin(pin_core);
    for (std::size_t i = 0; i < n; ++i) {  // first touch: page faults happen here
        a[i] = 0.0;
        b[i] = 1.0;
        c[i] = 2.0;
    }
    const double s = 3.0;
    double best = 1e300;
    for (int r = 0; r < repeats; ++r) {
        const double t0 = thread_seconds();
        for (std::size_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
        best = std::min(best, thread_seconds() - t0);
        g_sink = g_sink + a[(n / 2 + static_cast<std::size_t>(r)) % n];
    }
    return 3.0 * static_cast<double>(each) / best / 1e9;
}

double probe_read_gbs(std::size_t bytes, int repeats, int pin_core) {
    if (bytes < (std::size_t{16} << 10) || bytes > (std::size_t{1} << 30)) {
        throw std::invalid_argument("read probe size must be between 16 KiB and 1 GiB");
    }
    if (repeats < 1) throw std::invalid_argument("repeats must be >= 1");
#if MM_HAVE_AVX2
    if ((cpu().features & (FEAT_AVX2 | FEAT_FMA)) != (FEAT_AVX2 | FEAT_FMA)) {
        throw std::runtime_error("the read probe needs AVX2, which this CPU lacks or masks");
    }
    const std::size_t n = bytes / sizeof(float) / 128 * 128;
    AlignedBuffer buf = aligned_bytes(n * sizeof(float));
    float* data = static_cast<float*>(buf.get());
    CorePin pin(pin_core);
    for (std::size_t i = 0; i < n; ++i) data[i] = 1e-3f * static_cast<float>(i % 7);
    const std::int64_t passes =
        std::max<std::int64_t>(1, static_cast<std::int64_t>((std::size_t{64} << 20) / (n * 4)));
    const auto count = static_cast<std::int64_t>(n);
    g_sink = g_sink + avx2::read_sum_f32(data, count, 1);  // warm the level up
    double best = 1e300;
    for (int r = 0; r < repeats; ++r) {
        const double t0 = thread_seconds();
        g_sink = g_sink + avx2::read_sum_f32(data, count, passes);
        best = std::min(best, thread_seconds() - t0);
    }
    return static_cast<double>(n * sizeof(float)) * static_cast<double>(passes) / best / 1e9;
#else
    (void)pin_core;
    throw std::runtime_error("this build has no AVX2 read probe");
#endif
}

}  // namespace mm
