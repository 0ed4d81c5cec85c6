// A team for the drivers that do not share packed blocks (the bf16 / int8 ones: the
// AVX-512 dot-product driver and the AMX tile driver): C is cut into one part per member,
// whole register-block panels each, and every member runs the one-thread driver on its
// part with its own packed A and B. Nothing is shared but the caller's A, B and disjoint
// parts of C, so there is no barrier and no false sharing of C.
//
// Why not the shared driver's way (one packed B block, packed by the team together): a
// member's B block lives in its own core's L2 in either case (each core reads all of
// it), so sharing saves only the packing of B, a few per cent of a square run (the AMX
// driver packs B at 21 GB/s on Sapphire Rapids: 0.1 ms of a 1.5 ms 1024^3 product),
// against a barrier per block. The cut: rows of m in MR panels, as many members as there
// are row panels; when m has fewer row panels than members, columns of n in NR panels.
//
// Header-only template on top of threads.hpp (baseline code): ISA-flagged files include
// it; each instantiation is specific to its caller's lambda, so no code built with one
// file's ISA flags is shared with another.
#pragma once

#include <cstddef>
#include <cstdint>

#include "mm/types.hpp"
#include "threads.hpp"

namespace mm {

// Runs one_thread(part) on every member of g.team (or on the caller alone when there is
// no team), `part` being g with that member's rows or columns of C and no team.
// in_size / out_size: bytes per element of A and B / of C.
template <typename F>
void run_on_team_parts(const GemmArgs& g, std::int64_t mr, std::int64_t nr, std::size_t in_size,
                       std::size_t out_size, F&& one_thread) {
    GemmArgs whole = g;
    whole.team = nullptr;
    const int members = g.team != nullptr ? g.team->size() : 1;
    if (members <= 1) {
        one_thread(whole);
        return;
    }
    const bool by_rows = (g.m + mr - 1) / mr >= members;
    auto job = [&](int member) {
        GemmArgs part = whole;
        const auto* a = static_cast<const char*>(g.a);
        const auto* b = static_cast<const char*>(g.b);
        auto* c = static_cast<char*>(g.c);
        if (by_rows) {
            const Range r = share(g.m, mr, members, member);
            if (r.begin >= r.end) return;
            part.m = r.end - r.begin;
            part.a = a + static_cast<std::size_t>(r.begin * g.lda) * in_size;
            part.c = c + static_cast<std::size_t>(r.begin * g.ldc) * out_size;
        } else {
            const Range r = share(g.n, nr, members, member);
            if (r.begin >= r.end) return;
            part.n = r.end - r.begin;
            part.b = b + static_cast<std::size_t>(r.begin) * in_size;
            part.c = c + static_cast<std::size_t>(r.begin) * out_size;
        }
        one_thread(part);
    };
    g.team->run(job);
}

}  // namespace mm
