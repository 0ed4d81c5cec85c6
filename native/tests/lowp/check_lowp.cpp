// Test-only harness for the bf16 / int8 kernels (tests/native/test_lowp_kernels.py).
// The same file is built two ways: against the emulators (emu512.h / amx_emu.h stand in
// for <immintrin.h>, ASan + UBSan, on every CPU) and against the real intrinsics (run
// only where the CPU has the feature). It drives each kernel through its real driver (on
// one thread, then on a team of two) on awkward shapes with unaligned, padded caller
// arrays and compares with a reference
// written here: int8 exact (wrapping int32), bf16 within a bound that scales with k,
// computed in double from the same bf16 inputs.
//
//   check_lowp check [kernel-substring]     every shape; exit status = failures
//   check_lowp bench <kernel> <m> <n> <k> <reps> [MC KC NC]   best time -> GFLOP/s or GOP/s
//   check_lowp inject                       (emulated AMX builds, CHECK_AMX_EMU) each AMX
//       kernel with its tiles zeroed mid-run, as the suspected Sapphire Rapids erratum
//       would (amx_emu.h): the reference check above must report the wrong product;
//       exit status = injections it missed
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "mm/types.hpp"
#include "threads.hpp"
#if CHECK_AVX512_LOWP
#include "kernels/avx512_lowp/avx512_lowp.hpp"
#endif
#if CHECK_AVX2_BF16
#include "kernels/avx2/avx2.hpp"
#endif
#if CHECK_AMX
#include "kernels/amx/amx.hpp"
#endif
#if CHECK_AVX2_INT8
#include "kernels/avx2/avx2_int8.hpp"
#endif
#if CHECK_AVX_VNNI
#include "kernels/avx_vnni/avx_vnni.hpp"
#endif
#if CHECK_AMX_EMU
#include "amx_emu.h"  // the zero-tile injection hook; the kernels include it too
#endif
#if CHECK_AMX_REAL
#include <sys/syscall.h>
#include <unistd.h>
#endif

using namespace mm;

namespace {

struct Kernel {
    const char* id;
    DType dtype;
    Blocking blk;
    void (*fn)(const GemmArgs&, const Blocking&);
};

const Kernel KERNELS[] = {
#if CHECK_AVX2_BF16
    {"avx2.widen_pack_6x16.bf16", DType::BF16, avx2::WIDEN_PACK_6X16_BF16,
     avx2::gemm_widen_pack_6x16_bf16},
    {"avx2.widen_ukr_6x16.bf16", DType::BF16, avx2::WIDEN_UKR_6X16_BF16,
     avx2::gemm_widen_ukr_6x16_bf16},
#endif
#if CHECK_AVX512_LOWP
    {"avx512.packed_14x32.bf16", DType::BF16, avx512_lowp::PACKED_14X32_BF16,
     avx512_lowp::gemm_packed_14x32_bf16},
    {"avx512.packed_14x32.int8", DType::INT8, avx512_lowp::PACKED_14X32_INT8,
     avx512_lowp::gemm_packed_14x32_int8},
#endif
#if CHECK_AMX
    {"amx.tiles_32x32.bf16", DType::BF16, amx::TILES_32X32_BF16, amx::gemm_tiles_32x32_bf16},
    {"amx.tiles_32x32.int8", DType::INT8, amx::TILES_32X32_INT8, amx::gemm_tiles_32x32_int8},
#endif
#if CHECK_AVX2_INT8
    {"avx2.packed_6x16.int8", DType::INT8, avx2::PACKED_6X16_INT8, avx2::gemm_packed_6x16_int8},
#endif
#if CHECK_AVX_VNNI
    {"avxvnni.packed_6x16.int8", DType::INT8, avx_vnni::PACKED_6X16_INT8,
     avx_vnni::gemm_packed_6x16_int8},
#endif
};

std::uint16_t to_bf16(float x) {  // round to nearest even (inputs are finite)
    std::uint32_t u;
    std::memcpy(&u, &x, 4);
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<std::uint16_t>(u >> 16);
}

double from_bf16(std::uint16_t h) {
    std::uint32_t u = static_cast<std::uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

struct Shape {
    long m, n, k;
};

// The team the next runs use (nullptr: the calling thread alone), as timing.cpp sets it.
ThreadPool* g_team = nullptr;

// Caller arrays: one element off 64-byte alignment, leading dimensions padded.
template <typename In, typename Out>
struct Problem {
    long m, n, k, lda, ldb, ldc;
    std::vector<In> a, b;
    std::vector<Out> c;
    Problem(Shape s, long pad)
        : m(s.m), n(s.n), k(s.k), lda(s.k + pad), ldb(s.n + pad), ldc(s.n + pad),
          a(static_cast<size_t>(m * lda + 1)), b(static_cast<size_t>(k * ldb + 1)),
          c(static_cast<size_t>(m * ldc + 1)) {}
    GemmArgs args() {
        return GemmArgs{m, n, k, a.data() + 1, lda, b.data() + 1, ldb, c.data() + 1, ldc, g_team};
    }
    In& A(long i, long p) { return a[1 + i * lda + p]; }
    In& B(long p, long j) { return b[1 + p * ldb + j]; }
    Out& C(long i, long j) { return c[1 + i * ldc + j]; }
};

// 0 = ok. Fills C with garbage first (C is overwritten, never read) and checks the
// padding of C is never written.
int run_bf16(const Kernel& kn, Shape s, const Blocking& blk, std::mt19937& rng) {
    Problem<std::uint16_t, float> p(s, 3);
    std::uniform_real_distribution<float> d(-1, 1);
    for (auto& x : p.a) x = to_bf16(d(rng));
    for (auto& x : p.b) x = to_bf16(d(rng));
    std::fill(p.c.begin(), p.c.end(), 12345.0f);
    kn.fn(p.args(), blk);
    int bad = 0;
    for (long i = 0; i < s.m; ++i) {
        for (long j = 0; j < s.n + 3; ++j) {
            if (j >= s.n) {
                if (i * p.ldc + j + 1 < static_cast<long>(p.c.size()) && p.C(i, j) != 12345.0f) ++bad;
                continue;
            }
            double ref = 0, mag = 0;
            for (long q = 0; q < s.k; ++q) {
                const double t = from_bf16(p.A(i, q)) * from_bf16(p.B(q, j));
                ref += t;
                mag += std::abs(t);
            }
            // f32 sums of exact products: |error| <= k * 2^-24 * sum|a b| (doubled).
            const double tol = 2.0 * static_cast<double>(s.k + 1) * 0x1p-24 * mag + 1e-30;
            if (!(std::abs(ref - p.C(i, j)) <= tol)) {
                if (bad < 3) {
                    std::printf("  %s %ldx%ldx%ld C[%ld][%ld] = %.9g, want %.9g (tol %g)\n",
                                kn.id, s.m, s.n, s.k, i, j, p.C(i, j), ref, tol);
                }
                ++bad;
            }
        }
    }
    if (p.c[0] != 12345.0f) ++bad;  // the element before C
    return bad;
}

int run_int8(const Kernel& kn, Shape s, const Blocking& blk, std::mt19937& rng, int fill) {
    Problem<std::int8_t, std::int32_t> p(s, 5);
    std::uniform_int_distribution<int> d(-128, 127);
    for (long i = 0; i < s.m; ++i) {
        for (long q = 0; q < s.k; ++q) p.A(i, q) = static_cast<std::int8_t>(fill == 0 ? d(rng) : -128);
    }
    for (long q = 0; q < s.k; ++q) {
        for (long j = 0; j < s.n; ++j) {
            p.B(q, j) = static_cast<std::int8_t>(fill == 0 ? d(rng) : (fill == 1 ? -128 : 127));
        }
    }
    std::fill(p.c.begin(), p.c.end(), 777);
    kn.fn(p.args(), blk);
    int bad = 0;
    for (long i = 0; i < s.m; ++i) {
        for (long j = 0; j < s.n; ++j) {
            std::int64_t ref = 0;
            for (long q = 0; q < s.k; ++q) ref += std::int64_t{p.A(i, q)} * p.B(q, j);
            const auto want = static_cast<std::int32_t>(static_cast<std::uint32_t>(ref));
            if (p.C(i, j) != want) {
                if (bad < 3) {
                    std::printf("  %s %ldx%ldx%ld C[%ld][%ld] = %d, want %d\n", kn.id, s.m, s.n,
                                s.k, i, j, p.C(i, j), want);
                }
                ++bad;
            }
        }
        for (long j = s.n; j < s.n + 5 && 1 + i * p.ldc + j < static_cast<long>(p.c.size()); ++j) {
            if (p.C(i, j) != 777) ++bad;
        }
    }
    if (p.c[0] != 777) ++bad;
    return bad;
}

int check(const Kernel& kn) {
    const Blocking b = kn.blk;
    const long MR = b.MR, NR = b.NR, KC = b.KC, MC = b.MC;
    // The kernel's own blocking on the shapes and its register / cache edges.
    std::vector<Shape> shapes = {
        {1, 1, 1},        {2, 3, 4},          {1, 1, 2},           {3, 5, 3},
        {13, 31, 9},      {97, 101, 103},     {200, 300, 500},     {1, 4096, 64},
        {4096, 1, 64},    {4096, 64, 3},      {4096, 64, 129},     {MR - 1, NR - 1, KC - 1},
        {MR, NR, KC},
        {MR + 1, NR + 1, KC + 1},             {2 * MR + 1, 2 * NR - 1, 2 * KC + 3},
        {MC - 1, NR + 3, 7}, {MC + 1, 2 * NR + 1, 5}, {3, b.NC + 1, 5}};
    std::mt19937 rng(7);
    int bad = 0;
    auto one = [&](Shape s, const Blocking& blk, int fill) {
        const int e = kn.dtype == DType::BF16 ? run_bf16(kn, s, blk, rng)
                                              : run_int8(kn, s, blk, rng, fill);
        if (e != 0) {
            std::printf("%s %ldx%ldx%ld (MC %d KC %d NC %d, %d threads): %d wrong\n", kn.id,
                        s.m, s.n, s.k, blk.MC, blk.KC, blk.NC, g_team ? g_team->size() : 1, e);
        }
        bad += e;
    };
    for (Shape s : shapes) one(s, b, 0);
    {
        // A team of 2 (unpinned: any machine), each member on its own rows, or columns
        // when m has one row panel (1 x 4096 x 64, 3 x (NC + 1) x 5).
        ThreadPool team({-1, -1});
        g_team = &team;
        for (Shape s : shapes) one(s, b, 0);
        g_team = nullptr;
    }
    // Small run-time cache blocks (what a tuner may choose), with MC/KC/NC edges +-1:
    // every loop of the driver runs several times on small shapes.
    Blocking small = b;
    small.MC = static_cast<int>(2 * MR + 3);
    small.KC = kn.dtype == DType::BF16 ? 37 : 71;  // odd: slices start mid-group
    small.NC = static_cast<int>(NR + 5);
    for (Shape s : std::vector<Shape>{{small.MC - 1, small.NC - 1, small.KC - 1},
                                      {small.MC + 1, small.NC + 1, small.KC + 1},
                                      {3L * small.MC, 3L * small.NC, 3L * small.KC},
                                      {61, 127, 211}}) {
        one(s, small, 0);
    }
    if (kn.dtype == DType::INT8) {  // the ends of the range, -128 included
        one({MR + 3, NR + 3, 2 * KC + 1}, b, 1);
        one({MR + 3, NR + 3, 2 * KC + 1}, b, 2);
        one({33, 40, 300}, small, 1);
    }
    std::printf("%s: %s\n", kn.id, bad ? "FAIL" : "ok");
    return bad != 0;
}

int bench(const Kernel& kn, long m, long n, long k, int reps, Blocking blk) {
    const size_t in = dtype_info(kn.dtype).in_size, out = dtype_info(kn.dtype).out_size;
    std::vector<unsigned char> a(static_cast<size_t>(m * k) * in + 64),
        b(static_cast<size_t>(k * n) * in + 64), c(static_cast<size_t>(m * n) * out + 64);
    std::mt19937 rng(1);
    for (auto& x : a) x = static_cast<unsigned char>(rng() & 0x3f);  // small finite bf16 too
    for (auto& x : b) x = static_cast<unsigned char>(rng() & 0x3f);
    auto align = [](std::vector<unsigned char>& v) {
        return reinterpret_cast<void*>((reinterpret_cast<std::uintptr_t>(v.data()) + 63) & ~63ul);
    };
    GemmArgs g{m, n, k, align(a), k, align(b), n, align(c), n};
    // Wall time (what a caller sees) and this thread's CPU time (what the core did while
    // it ran us: on a shared, oversubscribed host the scheduler's gaps are not counted).
    auto cpu_now = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
    };
    double best = 1e30, best_cpu = 1e30;
    for (int r = 0; r < reps + 1; ++r) {
        const double c0 = cpu_now();
        auto t0 = std::chrono::steady_clock::now();
        kn.fn(g, blk);
        double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double tc = cpu_now() - c0;
        if (r > 0) {
            best = std::min(best, t);
            best_cpu = std::min(best_cpu, tc);
        }
    }
    const double ops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
    std::printf("%s %ldx%ldx%ld: %.1f G%s/s wall, %.1f cpu (best of %d, %.3f ms)\n", kn.id, m, n,
                k, ops / best / 1e9, kn.dtype == DType::INT8 ? "OP" : "FLOP", ops / best_cpu / 1e9,
                reps, best * 1e3);
    return 0;
}

#if CHECK_AMX_EMU
// Each AMX kernel on a 64 x 64 x (2 tiles of k) problem: 4 C blocks of 32 x 32, each
// 4 TILEZERO + 2 chunks x (4 TILELOADD + 4 TDP) + 4 TILESTORED = 24 tile instructions.
// The tiles are zeroed after instruction N; every N chosen lands where some tile holds
// live data (after the A/B loads, after the first chunk's TDPs, before the stores, and
// in the second block), so a correct check must see a wrong product each time. A clean
// run of the same problem first shows that the failures are the injection's.
int inject() {
    int missed = 0;
    for (const Kernel& kn : KERNELS) {
        const long k = 2 * 64 / static_cast<long>(dtype_info(kn.dtype).in_size);
        const Shape s{64, 64, k};
        auto run = [&] {
            std::mt19937 rng(11);
            return kn.dtype == DType::BF16 ? run_bf16(kn, s, kn.blk, rng)
                                           : run_int8(kn, s, kn.blk, rng, 0);
        };
        amx_emu::zero_tiles_after(0);
        const int clean = run();
        const long total = amx_emu::tile_instructions();
        std::printf("%s %ldx%ldx%ld clean: %d wrong, %ld tile instructions\n", kn.id, s.m, s.n,
                    s.k, clean, total);
        missed += clean != 0 || total != 4 * 24;
        for (const long n : {8L, 12L, 20L, 36L}) {
            amx_emu::zero_tiles_after(n);
            const int wrong = run();
            const bool fired = amx_emu::zero_tiles_fired();
            const bool detected = fired && wrong > 0;
            std::printf("%s tiles zeroed after tile instruction %ld: %s (%d wrong)\n", kn.id, n,
                        !fired ? "NOT injected" : detected ? "detected" : "NOT detected", wrong);
            missed += !detected;
        }
    }
    amx_emu::zero_tiles_after(0);
    return missed;
}
#endif

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "check";
    if (mode == "bench" && (argc == 7 || argc == 10)) {
        for (const Kernel& kn : KERNELS) {
            if (std::strcmp(kn.id, argv[2]) == 0) {
                Blocking blk = kn.blk;
                if (argc == 10) {
                    blk.MC = std::atoi(argv[7]);
                    blk.KC = std::atoi(argv[8]);
                    blk.NC = std::atoi(argv[9]);
                }
                return bench(kn, std::atol(argv[3]), std::atol(argv[4]), std::atol(argv[5]),
                             std::atoi(argv[6]), blk);
            }
        }
        std::printf("unknown kernel %s\n", argv[2]);
        return 2;
    }
#if CHECK_AMX_EMU
    if (mode == "inject") return inject();
    std::printf("amx_emu order: %s\n", amx_emu::ORDER);
#endif
    int failed = 0;
#if CHECK_AMX_REAL
    // What cpu.cpp does for the module: Linux grants tile data once per process.
    if (syscall(SYS_arch_prctl, 0x1023, 18) != 0) {
        std::printf("arch_prctl(ARCH_REQ_XCOMP_PERM) refused\n");
        return 2;
    }
#endif
#if CHECK_AMX
    // The probes' tile programs: 3 rounds of 32 (bf16) / 64 (int8) products of 2^-7 . 2^-7
    // and 1 . 1 into C tile 0.
    const bool probes_ok = amx::tdpbf16_peak(3) == 3 * 32 * 0x1p-14f && amx::tdpbssd_peak(3) == 192;
    std::printf("amx probes: %s\n", probes_ok ? "ok" : "FAIL");
    failed += !probes_ok;
#endif
    for (const Kernel& kn : KERNELS) {
        if (argc > 2 && std::strstr(kn.id, argv[2]) == nullptr) continue;
        failed += check(kn);
    }
#if CHECK_AMX_EMU
    if (amx_emu::zero_tiles_at_from_env() > 0) {  // AMX_EMU_ZERO_TILES_AT armed this thread
        std::printf("zero-tile injection after tile instruction %ld: %s\n",
                    amx_emu::zero_tiles_at_from_env(),
                    amx_emu::zero_tiles_fired() ? "done" : "not reached");
    }
#endif
    return failed;
}
