// Portable Goto / BLIS five-loop GEMM driver (jc → pc → ic → jr → ir).
//
//   jc: NC columns of B and C      (B block kc×nc packed once per pc: lives in L3)
//   pc: KC deep slice              (first slice overwrites C, later ones accumulate)
//   ic: MC rows of A               (A block mc×kc packed: lives in L2)
//   jr: NR-wide sliver of packed B (kc×NR: lives in L1 while ir sweeps)
//   ir: MR-tall sliver of packed A -> micro-kernel on one MR×NR tile of C
//
// Packed layouts (zero-padded to whole panels, so the micro-kernel never branches):
//
//   a_packed, one panel per MR rows:    b_packed, one panel per NR columns:
//   [a(0,0) a(1,0) .. a(MR-1,0)]        [b(0,0) b(0,1) .. b(0,NR-1)]
//   [a(0,1) a(1,1) .. a(MR-1,1)]        [b(1,0) b(1,1) .. b(1,NR-1)]
//   ... k columns                        ... k rows
//
// Edge tiles (m or n not a multiple of MR / NR) run the full micro-kernel into a small
// aligned scratch tile which is then copied into C, as BLIS does: the caller's arrays
// are never read or written out of bounds and need no alignment.
#include "gemm_loops.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

namespace mm {
namespace {

struct FreeDeleter {
    void operator()(void* p) const {
        std::free(p);
    }
};

// A grow-only, 64-byte aligned scratch buffer per thread: the timed loop allocates
// nothing after the first (warm-up) call.
class Scratch {
public:
    void* get(std::size_t bytes) {
        if (bytes > size_) {
            std::size_t rounded = (bytes + 63) / 64 * 64;
            void* p = std::aligned_alloc(64, rounded);
            if (p == nullptr) throw std::bad_alloc();
            buf_.reset(p);
            size_ = rounded;
        }
        return buf_.get();
    }

private:
    std::unique_ptr<void, FreeDeleter> buf_;
    std::size_t size_ = 0;
};

template <typename T>
void pack_a(std::int64_t mc,
            std::int64_t kc,
            const T* a,
            std::int64_t lda,
            int MR,
            T* a_packed) {
    for (std::int64_t ir = 0; ir < mc; ir += MR) {
        std::int64_t mr = std::min<std::int64_t>(MR, mc - ir);
        T* dst = a_packed + ir * kc;
        for (std::int64_t p = 0; p < kc; ++p) {
            std::int64_t i = 0;
            for (; i < mr; ++i) dst[p * MR + i] = a[(ir + i) * lda + p];
            for (; i < MR; ++i) dst[p * MR + i] = T(0);
        }
    }
}

template <typename T>
void pack_b(std::int64_t kc,
            std::int64_t nc,
            const T* b,
            std::int64_t ldb,
            int NR,
            T* b_packed) {
    for (std::int64_t jr = 0; jr < nc; jr += NR) {
        std::int64_t nr = std::min<std::int64_t>(NR, nc - jr);
        T* dst = b_packed + jr * kc;
        for (std::int64_t p = 0; p < kc; ++p) {
            const T* src = b + p * ldb + jr;
            T* row = dst + p * NR;
            std::int64_t j = 0;
            for (; j < nr; ++j) row[j] = src[j];
            for (; j < NR; ++j) row[j] = T(0);
        }
    }
}

std::int64_t round_up(std::int64_t x, std::int64_t to) {
    return (x + to - 1) / to * to;
}

constexpr int MAX_TILE = 1024;  // MR·NR of the largest micro-kernel (AVX-512 14×32 = 448)

}  // namespace

template <typename T>
void gemm_packed(const GemmArgs& g, const Blocking& blk, UkrFn<T> ukr) {
    const T* A = static_cast<const T*>(g.a);
    const T* B = static_cast<const T*>(g.b);
    T* C = static_cast<T*>(g.c);
    const int MR = blk.MR, NR = blk.NR;
    const std::int64_t MC = blk.MC, KC = blk.KC, NC = blk.NC;

    thread_local Scratch a_buf, b_buf;
    T* a_packed = static_cast<T*>(a_buf.get(sizeof(T) * round_up(MC, MR) * KC));
    T* b_packed = static_cast<T*>(b_buf.get(sizeof(T) * round_up(NC, NR) * KC));
    alignas(64) T tile[MAX_TILE];

    for (std::int64_t jc = 0; jc < g.n; jc += NC) {
        const std::int64_t nc = std::min(NC, g.n - jc);
        for (std::int64_t pc = 0; pc < g.k; pc += KC) {
            const std::int64_t kc = std::min(KC, g.k - pc);
            const bool accumulate = pc > 0;
            pack_b(kc, nc, B + pc * g.ldb + jc, g.ldb, NR, b_packed);
            for (std::int64_t ic = 0; ic < g.m; ic += MC) {
                const std::int64_t mc = std::min(MC, g.m - ic);
                pack_a(mc, kc, A + ic * g.lda + pc, g.lda, MR, a_packed);
                for (std::int64_t jr = 0; jr < nc; jr += NR) {
                    const std::int64_t nr = std::min<std::int64_t>(NR, nc - jr);
                    const T* bp = b_packed + jr * kc;
                    for (std::int64_t ir = 0; ir < mc; ir += MR) {
                        const std::int64_t mr = std::min<std::int64_t>(MR, mc - ir);
                        const T* ap = a_packed + ir * kc;
                        T* c = C + (ic + ir) * g.ldc + jc + jr;
                        if (mr == MR && nr == NR) {
                            ukr(kc, ap, bp, c, g.ldc, accumulate);
                            continue;
                        }
                        ukr(kc, ap, bp, tile, NR, false);
                        for (std::int64_t i = 0; i < mr; ++i) {
                            for (std::int64_t j = 0; j < nr; ++j) {
                                T v = tile[i * NR + j];
                                c[i * g.ldc + j] = accumulate ? c[i * g.ldc + j] + v : v;
                            }
                        }
                    }
                }
            }
        }
    }
}

template void gemm_packed<float>(const GemmArgs&, const Blocking&, UkrFn<float>);
template void gemm_packed<double>(const GemmArgs&, const Blocking&, UkrFn<double>);

}  // namespace mm
