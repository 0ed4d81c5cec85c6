// Portable Goto / BLIS five-loop GEMM driver (jc → pc → ic → jr → ir).
//
//   jc: NC columns of B and C      (B block kc×nc packed once per pc: lives in L3)
//   pc: KC deep slice              (first slice overwrites C, later ones accumulate)
//   ic: MC rows of A               (A block mc×kc packed: lives in L2)
//   jr: NR-wide sliver of packed B (kc×NR: lives in L1 while ir sweeps; the next
//                                   sliver is prefetched into L2 meanwhile)
//   ir: MR-tall sliver of packed A -> micro-kernel on one MR×NR tile of C
//
// The packers, and the packed layouts the micro-kernel reads, are in gemm_pack.cpp.
//
// Edge tiles (m or n not a multiple of MR / NR) run the full micro-kernel into a small
// aligned scratch tile which is then copied into C, as BLIS does: the caller's arrays
// are never read or written out of bounds and need no alignment.
#include "gemm_loops.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "aligned.hpp"
#include "gemm_pack.hpp"
#include "mm/slicing.hpp"
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

std::int64_t round_up(std::int64_t x, std::int64_t to) {
    return (x + to - 1) / to * to;
}

constexpr int MAX_TILE = 1024;

// Requests the C tile of the micro-kernel call after this one: the next MR rows of
// this jr sliver, or after the last of them the first MR rows of the next sliver.
// Each call runs KC·MR·NR·2 flops (thousands of cycles), long enough for the lines
// to arrive from L3 or memory; the micro-kernel's own prefetch at its start comes too
// late for that. Measured on Zen 5 at 2048³ f32 (14×32, MC=336 KC=384): 215 → 224
// GFLOP/s (with no C traffic at all, a test build gave 230).
template <typename T>
void prefetch_next_c_tile(const T* c, const T* next_sliver, std::int64_t ldc, int MR, int NR,
                          std::int64_t rows_below, std::int64_t rows_next_sliver) {
    const T* next = c + MR * ldc;
    std::int64_t rows = std::min<std::int64_t>(MR, rows_below);
    if (rows <= 0) {
        next = next_sliver;
        rows = rows_next_sliver;
    }
    for (std::int64_t i = 0; i < rows; ++i) {
        __builtin_prefetch(next + i * ldc, 1, 3);
        __builtin_prefetch(next + i * ldc + NR - 1, 1, 3);
    }
}  // MR·NR of the largest micro-kernel (AVX-512 14×32 = 448)

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
            prefetch_next_c_tile(c, C + ic * g.ldc + jc + jr + NR, g.ldc, MR, NR, mc - ir - MR,
                                 jr + NR < jr_range.end ? std::min<std::int64_t>(MR, mc) : 0);
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
    // Equal k slices (mm/slicing.hpp); each member's rows in equal MC blocks below.
    const std::int64_t KC = even_depth(g.k, blk.KC, 8), NC = blk.NC;

    const PackFn<T> pack_a = a_packer<T>(MR);
    const PackFn<T> pack_b = b_packer<T>(NR);
    ThreadPool* team = g.team;
    const int members = team != nullptr ? team->size() : 1;
    const TeamGrid grid = team_grid(members, g.m, MR);
    const PackBuffers<T>& bufs = pack_buffers<T>(blk, members);

    auto body = [&](int member) {
        const Range rows = share(g.m, MR, grid.rows, member / grid.cols);
        const std::int64_t MC = even_rows(rows.end - rows.begin, blk.MC, MR);
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
