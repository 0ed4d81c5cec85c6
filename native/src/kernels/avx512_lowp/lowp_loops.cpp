// The 5-loop driver of the dot-product kernels (declared in lowp_loops.hpp).
//
//   jc: NC columns of B and C    (B block packed once per pc: lives in L3)
//   pc: KC deep slice            (first slice overwrites C, later ones accumulate)
//   ic: MC rows of A             (A block packed: lives in L2)
//   jr: NR = 32 columns          (B micro-panel, ceil(kc/G) x 32 dwords: L1 or L2)
//   ir: MR = 14 rows             -> micro-kernel on one 14 x 32 tile of C
//
// Packed layouts (lowp_pack.hpp): A in 14-row panels of k-groups (dword transposed, so
// the micro-kernel broadcasts one dword = G values of k of one row), B in 32-column
// panels of k-groups (the VNNI layout: one zmm = 16 columns x G values of k).
// Edge tiles run the full micro-kernel into an aligned scratch tile that is then
// copied into C, as gemm_loops.cpp does: the caller's arrays are never touched out of
// bounds and need no alignment. int32 results wrap (computed in uint32, no UB).
#include "kernels/avx512_lowp/lowp_loops.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "kernels/avx512_lowp/lowp_pack.hpp"
#include "mm/slicing.hpp"
#include "team_split.hpp"

namespace mm::avx512_lowp {
namespace {

constexpr int MR = 14;
constexpr int NR = 32;

}  // namespace

namespace {

template <typename T>
void gemm_lowp_14x32_one(const GemmArgs& g, const Blocking& blk, LowpUkr<typename T::Out> ukr) {
    using In = typename T::In;
    using Out = typename T::Out;
    constexpr int G = T::G;
    if (blk.MR != MR || blk.NR != NR || blk.MC < 1 || blk.KC < 1 || blk.NC < 1) {
        throw std::logic_error("gemm_lowp_14x32: blocking must be 14x32 with MC, KC, NC >= 1");
    }
    const In* A = static_cast<const In*>(g.a);
    const In* B = static_cast<const In*>(g.b);
    Out* C = static_cast<Out*>(g.c);
    // Equal row blocks and k slices (mm/slicing.hpp), slices in whole 4-group steps.
    const std::int64_t MC = even_rows(g.m, blk.MC, MR);
    const std::int64_t KC = even_depth(g.k, blk.KC, 4 * G);
    const std::int64_t NC = std::min<std::int64_t>(blk.NC, g.n);
    const std::int64_t max_groups = (KC + G - 1) / G;

    thread_local lowp::Scratch a_buf, b_buf, sum_buf, corr_buf;
    auto* a_packed = static_cast<std::uint32_t*>(
        a_buf.get(4 * static_cast<std::size_t>(lowp::round_up(MC, MR) * max_groups)));
    auto* b_packed = static_cast<std::uint32_t*>(
        b_buf.get(4 * static_cast<std::size_t>(lowp::round_up(NC, NR) * max_groups)));
    const auto n_pad = static_cast<std::size_t>(lowp::round_up(NC, NR));
    auto* col_sum = static_cast<std::int64_t*>(sum_buf.get(8 * n_pad));
    auto* corr = static_cast<std::int32_t*>(corr_buf.get(4 * n_pad));
    alignas(64) Out tile[MR * NR];

    for (std::int64_t jc = 0; jc < g.n; jc += NC) {
        const std::int64_t nc = std::min(NC, g.n - jc);
        for (std::int64_t pc = 0; pc < g.k; pc += KC) {
            const std::int64_t kc = std::min(KC, g.k - pc);
            const std::int64_t groups = (kc + G - 1) / G;
            const bool accumulate = pc > 0;
            lowp::pack_b_panels<In, G, NR, T::CORRECT>(kc, nc, B + pc * g.ldb + jc, g.ldb,
                                                       groups, b_packed, col_sum);
            if constexpr (T::CORRECT) {
                for (std::int64_t j = 0; j < lowp::round_up(nc, NR); ++j) {
                    corr[j] = static_cast<std::int32_t>(static_cast<std::uint32_t>(
                        static_cast<std::uint64_t>(col_sum[j]) * 128u));
                }
            }
            for (std::int64_t ic = 0; ic < g.m; ic += MC) {
                const std::int64_t mc = std::min(MC, g.m - ic);
                lowp::pack_a_panels<In, G, MR>(mc, kc, A + ic * g.lda + pc, g.lda, T::A_XOR,
                                               a_packed);
                for (std::int64_t jr = 0; jr < nc; jr += NR) {
                    const std::int64_t nr = std::min<std::int64_t>(NR, nc - jr);
                    const std::uint32_t* bp = b_packed + jr * groups;
                    const std::int32_t* cr = T::CORRECT ? corr + jr : nullptr;
                    // The next B micro-panel: pulled into L2 a slice per micro-kernel call.
                    const char* b_next = reinterpret_cast<const char*>(bp + NR * groups);
                    const char* b_end = jr + NR < nc ? b_next + 4 * NR * groups : b_next;
                    const std::int64_t slice =
                        lowp::round_up((b_end - b_next) / ((mc + MR - 1) / MR) + 1, 64);
                    for (std::int64_t ir = 0; ir < mc; ir += MR) {
                        const std::int64_t mr = std::min<std::int64_t>(MR, mc - ir);
                        const std::uint32_t* ap = a_packed + ir * groups;
                        Out* c = C + (ic + ir) * g.ldc + jc + jr;
                        for (std::int64_t off = 0; off < slice && b_next < b_end;
                             off += 64, b_next += 64) {
                            __builtin_prefetch(b_next, 0, 2);
                        }
                        if (mr == MR && nr == NR) {
                            ukr(groups, ap, bp, c, g.ldc, accumulate, cr);
                            continue;
                        }
                        ukr(groups, ap, bp, tile, NR, false, cr);
                        for (std::int64_t i = 0; i < mr; ++i) {
                            for (std::int64_t j = 0; j < nr; ++j) {
                                const Out v = tile[i * NR + j];
                                Out& dst = c[i * g.ldc + j];
                                dst = accumulate ? lowp::add_wrapping(dst, v) : v;
                            }
                        }
                    }
                }
            }
        }
    }
}

}  // namespace

// The driver on g.team: each member runs it on its own rows (or columns) of C with its own
// packed blocks (team_split.hpp says why).
template <typename T>
void gemm_lowp_14x32(const GemmArgs& g, const Blocking& blk, LowpUkr<typename T::Out> ukr) {
    run_on_team_parts(g, MR, NR, sizeof(typename T::In), sizeof(typename T::Out),
                      [&](const GemmArgs& part) { gemm_lowp_14x32_one<T>(part, blk, ukr); });
}

template void gemm_lowp_14x32<Bf16>(const GemmArgs&, const Blocking&, LowpUkr<float>);
template void gemm_lowp_14x32<Int8>(const GemmArgs&, const Blocking&, LowpUkr<std::int32_t>);

}  // namespace mm::avx512_lowp
