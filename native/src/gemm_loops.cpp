// Portable Goto / BLIS five-loop GEMM driver (jc → pc → ic → jr → ir).
//
//   jc: NC columns of B and C      (B block kc×nc packed once per pc: lives in L3)
//   pc: KC deep slice              (first slice overwrites C, later ones accumulate)
//   ic: MC rows of A               (A block mc×kc packed: lives in L2)
//   jr: NR-wide sliver of packed B (kc×NR: lives in L1 while ir sweeps; the next
//                                   sliver is prefetched into L2 meanwhile)
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

#include <emmintrin.h>
#include <xmmintrin.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "aligned.hpp"
#include "threads.hpp"

namespace mm {
namespace {

// A grow-only, 64-byte aligned scratch buffer per thread: the timed loop allocates
// nothing after the first (warm-up) call.
class Scratch {
public:
    void* get(std::size_t bytes) {
        if (bytes > size_) {
            buf_ = aligned_bytes(bytes);
            size_ = bytes;
        }
        return buf_.get();
    }

private:
    AlignedBuffer buf_;
    std::size_t size_ = 0;
};

// Prefetches the kc elements of one row of A or B (a 64-byte line at a time).
template <typename T>
void prefetch_row(const T* row, std::int64_t kc) {
    const char* p = reinterpret_cast<const char*>(row);
    const char* end = reinterpret_cast<const char*>(row + kc);
    for (; p < end; p += 64) __builtin_prefetch(p, 0, 3);
}

// Rows of A are this many rows ahead of the one being packed when prefetched.
constexpr std::int64_t PACK_PREFETCH_ROWS = 6;

// One full 6-row panel, p in steps of 4 (f32) or 2 (f64): load that many elements
// from each row, transpose in SSE2 registers (baseline x86-64, no ISA flag needed)
// and store them contiguously. A third of the stores of the scalar loop, which is
// what bounds packing when A is used for few columns (e.g. 4096×64×4096).
void pack_panel_6(std::int64_t kc, const float* a, std::int64_t lda, float* dst) {
    std::int64_t p = 0;
    for (; p + 4 <= kc; p += 4, dst += 24) {
        __m128 r0 = _mm_loadu_ps(a + p), r1 = _mm_loadu_ps(a + lda + p);
        __m128 r2 = _mm_loadu_ps(a + 2 * lda + p), r3 = _mm_loadu_ps(a + 3 * lda + p);
        const __m128 r4 = _mm_loadu_ps(a + 4 * lda + p), r5 = _mm_loadu_ps(a + 5 * lda + p);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);  // r0 = rows 0-3 at p, r1 at p+1, ...
        const __m128 lo = _mm_unpacklo_ps(r4, r5);  // r4p0 r5p0 r4p1 r5p1
        const __m128 hi = _mm_unpackhi_ps(r4, r5);  // r4p2 r5p2 r4p3 r5p3
        _mm_storeu_ps(dst, r0);
        _mm_storel_pi(reinterpret_cast<__m64*>(dst + 4), lo);
        _mm_storeu_ps(dst + 6, r1);
        _mm_storeh_pi(reinterpret_cast<__m64*>(dst + 10), lo);
        _mm_storeu_ps(dst + 12, r2);
        _mm_storel_pi(reinterpret_cast<__m64*>(dst + 16), hi);
        _mm_storeu_ps(dst + 18, r3);
        _mm_storeh_pi(reinterpret_cast<__m64*>(dst + 22), hi);
    }
    for (; p < kc; ++p, dst += 6) {
        for (int i = 0; i < 6; ++i) dst[i] = a[i * lda + p];
    }
}

void pack_panel_6(std::int64_t kc, const double* a, std::int64_t lda, double* dst) {
    std::int64_t p = 0;
    for (; p + 2 <= kc; p += 2, dst += 12) {
        const __m128d r0 = _mm_loadu_pd(a + p), r1 = _mm_loadu_pd(a + lda + p);
        const __m128d r2 = _mm_loadu_pd(a + 2 * lda + p), r3 = _mm_loadu_pd(a + 3 * lda + p);
        const __m128d r4 = _mm_loadu_pd(a + 4 * lda + p), r5 = _mm_loadu_pd(a + 5 * lda + p);
        _mm_storeu_pd(dst, _mm_unpacklo_pd(r0, r1));
        _mm_storeu_pd(dst + 2, _mm_unpacklo_pd(r2, r3));
        _mm_storeu_pd(dst + 4, _mm_unpacklo_pd(r4, r5));
        _mm_storeu_pd(dst + 6, _mm_unpackhi_pd(r0, r1));
        _mm_storeu_pd(dst + 8, _mm_unpackhi_pd(r2, r3));
        _mm_storeu_pd(dst + 10, _mm_unpackhi_pd(r4, r5));
    }
    for (; p < kc; ++p, dst += 6) {
        for (int i = 0; i < 6; ++i) dst[i] = a[i * lda + p];
    }
}

// Packs an mc×kc block of A into MR-row panels (see the picture above). The rows
// PACK_PREFETCH_ROWS further down are requested early: a block of A is mc short row
// pieces (1 KiB at KC = 256 f32) whose start addresses the hardware prefetchers
// cannot guess, so without this the packing waits on memory for every row.
// MR = 6 (the AVX2 kernels) has a transposing SSE2 path; other MR copy row by row,
// each row front to back, with stride-MR writes that stay within one panel in L1.
template <typename T, int MR>
void pack_a_panels(std::int64_t mc, std::int64_t kc, const T* a, std::int64_t lda, T* a_packed) {
    for (std::int64_t i = 0; i < std::min(mc, PACK_PREFETCH_ROWS); ++i) {
        prefetch_row(a + i * lda, kc);
    }
    for (std::int64_t ir = 0; ir < mc; ir += MR) {
        const std::int64_t mr = std::min<std::int64_t>(MR, mc - ir);
        T* __restrict dst = a_packed + ir * kc;
        if constexpr (MR == 6) {
            if (mr == MR) {
                for (std::int64_t i = 0; i < MR; ++i) {
                    const std::int64_t ahead = ir + i + PACK_PREFETCH_ROWS;
                    if (ahead < mc) prefetch_row(a + ahead * lda, kc);
                }
                pack_panel_6(kc, a + ir * lda, lda, dst);
                continue;
            }
        }
        for (std::int64_t i = 0; i < mr; ++i) {
            const std::int64_t ahead = ir + i + PACK_PREFETCH_ROWS;
            if (ahead < mc) prefetch_row(a + ahead * lda, kc);
            const T* __restrict src = a + (ir + i) * lda;
            for (std::int64_t p = 0; p < kc; ++p) dst[p * MR + i] = src[p];
        }
        for (std::int64_t i = mr; i < MR; ++i) {  // last, partial panel: zero rows
            for (std::int64_t p = 0; p < kc; ++p) dst[p * MR + i] = T(0);
        }
    }
}

// Packs a kc×nc block of B into NR-column panels. Row p of B is read once, front to
// back (a sequential stream; walking down a panel instead would touch a new page
// per row, where prefetchers stop), and scattered in NR-wide pieces to the panels.
template <typename T, int NR>
void pack_b_panels(std::int64_t kc, std::int64_t nc, const T* b, std::int64_t ldb, T* b_packed) {
    const std::int64_t full = nc / NR * NR;
    for (std::int64_t p = 0; p < kc; ++p) {
        const T* src = b + p * ldb;
        T* dst = b_packed + p * NR;
        for (std::int64_t jr = 0; jr < full; jr += NR) {
            std::memcpy(dst + jr * kc, src + jr, sizeof(T) * NR);
        }
        if (full < nc) {  // last, partial panel: zero columns right of the matrix
            T* row = dst + full * kc;
            std::int64_t j = 0;
            for (; j < nc - full; ++j) row[j] = src[full + j];
            for (; j < NR; ++j) row[j] = T(0);
        }
    }
}

template <typename T>
using PackFn = void (*)(std::int64_t, std::int64_t, const T*, std::int64_t, T*);

// The packers for one register block, chosen once per call. Register blocks of every
// kernel in the table are listed; anything else is a programming error.
template <typename T>
PackFn<T> a_packer(int MR) {
    switch (MR) {
        case 4: return pack_a_panels<T, 4>;
        case 6: return pack_a_panels<T, 6>;
        case 8: return pack_a_panels<T, 8>;
        case 12: return pack_a_panels<T, 12>;
        case 14: return pack_a_panels<T, 14>;
        case 16: return pack_a_panels<T, 16>;
        default: throw std::logic_error("gemm_packed: no A packer for MR=" + std::to_string(MR));
    }
}

template <typename T>
PackFn<T> b_packer(int NR) {
    switch (NR) {
        case 8: return pack_b_panels<T, 8>;
        case 16: return pack_b_panels<T, 16>;
        case 24: return pack_b_panels<T, 24>;
        case 32: return pack_b_panels<T, 32>;
        case 48: return pack_b_panels<T, 48>;
        case 64: return pack_b_panels<T, 64>;
        default: throw std::logic_error("gemm_packed: no B packer for NR=" + std::to_string(NR));
    }
}

std::int64_t round_up(std::int64_t x, std::int64_t to) {
    return (x + to - 1) / to * to;
}

constexpr int MAX_TILE = 1024;  // MR·NR of the largest micro-kernel (AVX-512 14×32 = 448)

// The jr and ir loops over one packed mc×kc block of A and the NR-column panels
// [jr0, jr1) of the packed kc×nc block of B: the macro-kernel, in BLIS terms.
template <typename T>
void macro_kernel(const GemmArgs& g,
                  const Blocking& blk,
                  UkrFn<T> ukr,
                  std::int64_t ic,
                  std::int64_t mc,
                  std::int64_t jc,
                  Range jr_range,
                  std::int64_t nc,
                  std::int64_t kc,
                  bool accumulate,
                  const T* a_packed,
                  const T* b_packed) {
    T* C = static_cast<T*>(g.c);
    const int MR = blk.MR, NR = blk.NR;
    alignas(64) T tile[MAX_TILE];
    for (std::int64_t jr = jr_range.begin; jr < jr_range.end; jr += NR) {
        const std::int64_t nr = std::min<std::int64_t>(NR, nc - jr);
        const T* bp = b_packed + jr * kc;
        // The next B micro-panel comes from L3; pull it into L2 a slice per
        // micro-kernel call, so the next jr does not start on misses.
        const char* b_next = reinterpret_cast<const char*>(bp + NR * kc);
        const char* b_next_end =
            jr + NR < jr_range.end ? reinterpret_cast<const char*>(bp + 2 * NR * kc) : b_next;
        const std::int64_t slice = round_up(
            static_cast<std::int64_t>(b_next_end - b_next) / ((mc + MR - 1) / MR) + 1, 64);
        for (std::int64_t ir = 0; ir < mc; ir += MR) {
            const std::int64_t mr = std::min<std::int64_t>(MR, mc - ir);
            const T* ap = a_packed + ir * kc;
            T* c = C + (ic + ir) * g.ldc + jc + jr;
            for (std::int64_t off = 0; off < slice && b_next < b_next_end;
                 off += 64, b_next += 64) {
                __builtin_prefetch(b_next, 0, 2);
            }
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

// Packing buffers of one call, kept by the calling thread and grown only: after the
// first (warm-up) call nothing is allocated, and nothing is allocated inside a team
// job (a member that threw there would leave the others at a barrier).
template <typename T>
struct PackBuffers {
    T* b[2];            // two B blocks: a team packs the next while others finish
    std::vector<T*> a;  // one A block per member
};

template <typename T>
PackBuffers<T>& pack_buffers(const Blocking& blk, int members) {
    thread_local Scratch b_buf[2];
    thread_local std::vector<Scratch> a_buf;
    thread_local PackBuffers<T> out{};
    const auto n = static_cast<std::size_t>(members);
    if (a_buf.size() < n) a_buf.resize(n);
    if (out.a.size() < n) out.a.resize(n);
    const std::size_t a_bytes = sizeof(T) * round_up(blk.MC, blk.MR) * blk.KC;
    const std::size_t b_bytes = sizeof(T) * round_up(blk.NC, blk.NR) * blk.KC;
    out.b[0] = static_cast<T*>(b_buf[0].get(b_bytes));
    out.b[1] = members > 1 ? static_cast<T*>(b_buf[1].get(b_bytes)) : out.b[0];
    for (std::size_t t = 0; t < n; ++t) out.a[t] = static_cast<T*>(a_buf[t].get(a_bytes));
    return out;
}

}  // namespace

// The five loops. With a team (args.team), as BLIS does: every member packs a share
// of the kc×nc block of B (shared, in L3), one barrier, then each packs its own mc×kc
// blocks of A and computes its share of the ic rows (and, for m with few row panels,
// of the jr columns). B alternates between two buffers, so that one barrier per pc
// step suffices: a member packing B for step p+1 writes the buffer nobody reads since
// step p-1, which every member left before arriving at step p's barrier.
template <typename T>
void gemm_packed(const GemmArgs& g, const Blocking& blk, UkrFn<T> ukr) {
    const T* A = static_cast<const T*>(g.a);
    const T* B = static_cast<const T*>(g.b);
    const int MR = blk.MR, NR = blk.NR;
    const std::int64_t MC = blk.MC, KC = blk.KC, NC = blk.NC;

    const PackFn<T> pack_a = a_packer<T>(MR);
    const PackFn<T> pack_b = b_packer<T>(NR);
    ThreadPool* team = g.team;
    const int members = team != nullptr ? team->size() : 1;
    const TeamGrid grid = team_grid(members, g.m, MR);
    const PackBuffers<T>& bufs = pack_buffers<T>(blk, members);

    auto body = [&](int member) {
        const Range rows = share(g.m, MR, grid.rows, member / grid.cols);
        const int col_part = member % grid.cols;
        T* a_packed = bufs.a[member];
        int parity = 0;
        for (std::int64_t jc = 0; jc < g.n; jc += NC) {
            const std::int64_t nc = std::min(NC, g.n - jc);
            const Range my_b = share(nc, NR, members, member);
            const Range jr_range = share(nc, NR, grid.cols, col_part);
            for (std::int64_t pc = 0; pc < g.k; pc += KC) {
                const std::int64_t kc = std::min(KC, g.k - pc);
                const bool accumulate = pc > 0;
                T* b_packed = bufs.b[parity];
                if (my_b.begin < my_b.end) {
                    pack_b(kc, my_b.end - my_b.begin, B + pc * g.ldb + jc + my_b.begin, g.ldb,
                           b_packed + my_b.begin * kc);
                }
                if (team != nullptr) team->barrier();
                for (std::int64_t ic = rows.begin; ic < rows.end; ic += MC) {
                    const std::int64_t mc = std::min(MC, rows.end - ic);
                    pack_a(mc, kc, A + ic * g.lda + pc, g.lda, a_packed);
                    macro_kernel<T>(g, blk, ukr, ic, mc, jc, jr_range, nc, kc, accumulate,
                                    a_packed, b_packed);
                }
                parity = members > 1 ? parity ^ 1 : 0;
            }
        }
    };
    if (team != nullptr && members > 1) {
        team->run(body);
    } else {
        body(0);
    }
}

template void gemm_packed<float>(const GemmArgs&, const Blocking&, UkrFn<float>);
template void gemm_packed<double>(const GemmArgs&, const Blocking&, UkrFn<double>);

}  // namespace mm
