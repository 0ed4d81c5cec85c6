// Test-only harness (tests/native/test_avx512_emulated.py): runs the AVX-512 packed
// kernels' source, with emu512.h standing in for <immintrin.h>, through the real
// portable driver on the shapes tests/kernels/test_correctness.py uses, against a
// double-precision reference, on the calling thread alone and on a team of three
// unpinned threads (more members than row panels for the small shapes). Prints one
// line per kernel and blocking; exit status = failures.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels/avx512/avx512.hpp"
#include "threads.hpp"

using namespace mm;

template <typename T>
int check(void (*fn)(const GemmArgs&, const Blocking&), const char* name, Blocking b) {
    std::vector<std::array<long, 3>> shapes = {
        {1, 1, 1},          {2, 3, 4},         {13, 31, 9},         {14, 32, 16},
        {15, 33, 33},       {43, 63, 5},       {97, 101, 103},      {200, 300, 500},
        {1, 4096, 64},      {4096, 1, 64},     {b.MR + 1, b.NR + 1, b.KC + 1},
        {b.MR, b.NR, 2L * b.KC + 3},           {b.MC + 1, b.NR + 3, 7},
        {2L * b.MC - 1, 2L * b.NR + 1, std::max(1L, b.KC - 1L)}, {3, b.NC + 1, 5},
        {b.MR + 2, b.NC + b.NR + 1, 3}};
    std::mt19937 rng(1);
    std::uniform_real_distribution<double> d(-1, 1);
    int bad = 0;
    // The team only where a pc step has some work: with KC = 1 and NC = 1 a run is a
    // barrier per element, minutes under the sanitizers for nothing new.
    ThreadPool team({-1, -1, -1});
    std::vector<ThreadPool*> teams{nullptr};
    if (b.KC >= 7 && b.NC >= b.NR) teams.push_back(&team);
    for (ThreadPool* t : teams) {
    for (auto [m, n, k] : shapes) {
        std::vector<T> A(m * k), B(k * n), C(m * n, T(-7));
        for (auto& x : A) x = static_cast<T>(d(rng));
        for (auto& x : B) x = static_cast<T>(d(rng));
        fn(GemmArgs{m, n, k, A.data(), k, B.data(), n, C.data(), n, t}, b);
        double err = 0;
        for (long i = 0; i < m; ++i) {
            for (long j = 0; j < n; ++j) {
                double s = 0;
                for (long p = 0; p < k; ++p) s += double(A[i * k + p]) * double(B[p * n + j]);
                err = std::max(err, std::abs(s - double(C[i * n + j])));
            }
        }
        double tol = (sizeof(T) == 4 ? 1e-5 : 1e-13) * 4.0 * static_cast<double>(k);
        if (!(err <= tol)) {
            std::printf("%s %ldx%ldx%ld, %d threads: error %g > %g\n", name, m, n, k,
                        t ? t->size() : 1, err, tol);
            ++bad;
        }
    }
    }
    std::printf("%s MC=%d KC=%d NC=%d: %s\n", name, b.MC, b.KC, b.NC, bad ? "FAIL" : "ok");
    return bad;
}

// The table's blocking, then tiny and odd run-time blocks (MC a multiple of MR, as
// mm/blocking.hpp requires; KC and NC anything >= 1), and large ones.
std::vector<Blocking> blockings(Blocking t) {
    return {t,
            {t.MR, t.NR, t.MR, 1, 1},
            {t.MR, t.NR, 3 * t.MR, 7, t.NR + 3},
            {t.MR, t.NR, 5 * t.MR, 33, 2 * t.NR - 1},
            {t.MR, t.NR, 2 * t.MC, 2 * t.KC, 4 * t.NR}};
}

int main() {
    int bad = 0;
    for (const Blocking& b : blockings(avx512::PACKED_14X32_F32)) {
        bad += check<float>(avx512::gemm_packed_14x32_f32, "avx512.packed_14x32.f32", b);
    }
    for (const Blocking& b : blockings(avx512::PACKED_14X16_F64)) {
        bad += check<double>(avx512::gemm_packed_14x16_f64, "avx512.packed_14x16.f64", b);
    }
    return bad;
}
