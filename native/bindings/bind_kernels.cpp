// Bindings: the kernel table and one GEMM call. Validates, converts, releases the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "mm/blocking.hpp"
#include "mm/cpu.hpp"
#include "mm/registry.hpp"
#include "mm/timing.hpp"
#include "threads.hpp"

namespace py = pybind11;

const mm::KernelInfo& lookup(const std::string& id) {
    const mm::KernelInfo* info = mm::find(id.c_str());
    if (info == nullptr) throw py::key_error("unknown kernel '" + id + "'");
    return *info;
}

const mm::KernelInfo& lookup_supported(const std::string& id) {
    const mm::KernelInfo* info = &lookup(id);
    std::uint64_t missing = mm::missing_features(*info);
    if (missing != 0) {
        throw std::runtime_error("kernel '" + id + "' is not supported on this CPU: missing " +
                                 mm::feature_list(missing));
    }
    return *info;
}

mm::DType parse_dtype(const std::string& name) {
    if (const mm::DTypeInfo* row = mm::find_dtype(name.c_str())) return row->dtype;
    std::string known;
    for (const auto& row : mm::DTYPES) known += std::string(known.empty() ? "" : ", ") + row.name;
    throw py::value_error("unknown dtype '" + name + "' (expected one of " + known + ")");
}

py::dict blocking_dict(const mm::Blocking& b) {
    py::dict d;
    d["MR"] = b.MR;
    d["NR"] = b.NR;
    d["MC"] = b.MC;
    d["KC"] = b.KC;
    d["NC"] = b.NC;
    return d;
}

// The blocking a call runs with: the model's, overridden by each of mc, kc, nc > 0.
mm::Blocking checked_blocking(const mm::KernelInfo& info, int mc, int kc, int nc) {
    try {
        return mm::resolve_blocking(info, mc, kc, nc);
    } catch (const std::invalid_argument& e) {
        throw py::value_error(std::string(info.id) + ": " + e.what());
    }
}

namespace {

py::dict kernel_dict(const mm::KernelInfo& k) {
    py::dict blocking = blocking_dict(mm::model_blocking(k));
    py::dict d;
    d["id"] = k.id;
    d["summary"] = k.summary;
    d["dtype"] = mm::dtype_name(k.dtype);
    d["requires"] = mm::feature_list(k.required);
    d["missing"] = mm::feature_list(mm::missing_features(k));
    d["blocking"] = blocking;
    d["file_blocking"] = blocking_dict(k.blocking);
    return d;
}

py::dict dtype_dict(const mm::DTypeInfo& t) {
    py::dict d;
    d["name"] = t.name;
    d["in_size"] = t.in_size;
    d["out_size"] = t.out_size;
    d["in_format"] = t.in_format;
    d["out_format"] = t.out_format;
    return d;
}

void check_matrix(const py::array& x,
                  const char* name,
                  const char* format,
                  const mm::KernelInfo& info) {
    const py::dtype want(format);
    if (!x.dtype().is(want)) {
        throw py::type_error(std::string(name) + " has dtype " +
                             py::str(x.dtype()).cast<std::string>() + ", kernel " + info.id +
                             " (" + mm::dtype_name(info.dtype) + ") needs " +
                             py::str(want).cast<std::string>());
    }
    if (x.ndim() != 2) {
        throw py::value_error(std::string(name) + " must be 2-D, got " +
                              std::to_string(x.ndim()) + "-D");
    }
    if ((x.flags() & py::array::c_style) == 0) {
        throw py::value_error(std::string(name) + " must be C-contiguous (row-major)");
    }
}

bool overlaps(const py::array& x, const py::array& y) {
    auto lo_x = reinterpret_cast<std::uintptr_t>(x.data());
    auto lo_y = reinterpret_cast<std::uintptr_t>(y.data());
    return lo_x < lo_y + static_cast<std::uintptr_t>(y.nbytes()) &&
           lo_y < lo_x + static_cast<std::uintptr_t>(x.nbytes());
}

void gemm(const std::string& id,
          const py::array& a,
          const py::array& b,
          py::array& c,
          int mc,
          int kc,
          int nc,
          int threads) {
    const mm::KernelInfo& info = lookup_supported(id);
    mm::Blocking blk = checked_blocking(info, mc, kc, nc);
    const mm::DTypeInfo& types = mm::dtype_info(info.dtype);
    check_matrix(a, "a", types.in_format, info);
    check_matrix(b, "b", types.in_format, info);
    check_matrix(c, "c", types.out_format, info);
    const auto m = a.shape(0), k = a.shape(1), n = b.shape(1);
    if (b.shape(0) != k || c.shape(0) != m || c.shape(1) != n) {
        throw py::value_error("shape mismatch: a is " + std::to_string(m) + "x" +
                              std::to_string(k) + ", b is " + std::to_string(b.shape(0)) + "x" +
                              std::to_string(n) + ", c is " + std::to_string(c.shape(0)) + "x" +
                              std::to_string(c.shape(1)));
    }
    if (m < 1 || n < 1 || k < 1) throw py::value_error("every dimension must be >= 1");
    if (mc == 0 && kc == 0 && nc == 0) blk = mm::narrow_blocking(info, blk, m, n, k);
    if (!c.writeable()) throw py::value_error("c must be writeable");
    if (overlaps(c, a) || overlaps(c, b)) throw py::value_error("c must not overlap a or b");
    std::vector<int> cores;
    try {
        cores = mm::team_cores_for(info, threads, -1);
    } catch (const std::invalid_argument& e) {
        throw py::value_error(e.what());
    }
    mm::GemmArgs args{m, n, k, a.data(), k, b.data(), n, c.mutable_data(), n};
    py::gil_scoped_release release;
    std::optional<mm::ThreadPool> team;  // joined before the GIL is taken back
    if (!cores.empty()) args.team = &team.emplace(cores);
    info.fn(args, blk);
}

}  // namespace

void register_kernels(py::module_& m) {
    m.def(
        "list_kernels",
        []() {
            py::list out;
            for (const auto& k : mm::all_kernels()) out.append(kernel_dict(k));
            return out;
        },
        "Return every compiled kernel as a dict, in table (ladder) order, with the model's "
        "blocking on this CPU.");
    m.def(
        "list_dtypes",
        []() {
            py::list out;
            for (const auto& t : mm::DTYPES) out.append(dtype_dict(t));
            return out;
        },
        "Return the element-type table: name, in_size and out_size (bytes of A/B and of C), "
        "in_format and out_format (buffer-protocol characters; bf16 crosses as uint16 bits).");
    m.def(
        "resolve_blocking",
        [](const std::string& id, int mc, int kc, int nc) {
            return blocking_dict(checked_blocking(lookup(id), mc, kc, nc));
        },
        py::arg("kernel_id"), py::kw_only(), py::arg("mc") = 0, py::arg("kc") = 0,
        py::arg("nc") = 0,
        "Return the blocking kernel_id runs with: the model's, each of mc, kc, nc > 0 "
        "replacing its value. Raises ValueError (one line) for an invalid blocking.");
    m.def(
        "narrow_blocking",
        [](const std::string& id, int mc, int kc, int nc, std::int64_t m, std::int64_t n,
           std::int64_t k, long l2) {
            const mm::KernelInfo& info = lookup(id);
            const mm::Blocking base = checked_blocking(info, mc, kc, nc);
            if (m < 1 || n < 1 || k < 1) throw py::value_error("every dimension must be >= 1");
            const mm::CpuInfo& cpu = mm::cpu();
            const mm::CacheSizes caches{cpu.l1d.bytes, l2 > 0 ? l2 : cpu.l2.bytes, cpu.l3.bytes};
            return blocking_dict(mm::narrow_blocking(info, base, m, n, k, caches));
        },
        py::arg("kernel_id"), py::kw_only(), py::arg("mc"), py::arg("kc"), py::arg("nc"),
        py::arg("m"), py::arg("n"), py::arg("k"), py::arg("l2") = 0,
        "Return the blocks (mc, kc, nc: the base, validated) run at m×n×k after the "
        "model's narrow-B rule: the base itself unless the kc×n block of B fits L2 (l2 "
        "bytes, 0 = this CPU's) at a deeper KC.");
    m.def(
        "blocking_model",
        [](const std::string& id, long l1, long l2, long l3) {
            const mm::KernelInfo* info = &lookup(id);
            const mm::CpuInfo& cpu = mm::cpu();
            const mm::CacheSizes caches{l1 > 0 ? l1 : cpu.l1d.bytes, l2 > 0 ? l2 : cpu.l2.bytes,
                                        l3 > 0 ? l3 : cpu.l3.bytes};
            const bool tile = mm::is_tile_kernel(*info);
            const bool dot = mm::is_dot_kernel(*info);
            const mm::ModelShares& packed = dot ? mm::DOT_SHARES : mm::MODEL_SHARES;
            py::dict shares;
            shares["l1"] = tile ? mm::TILE_SHARES.l1 : packed.l1;
            shares["l2"] = tile ? mm::TILE_SHARES.l2 : packed.l2;
            shares["l3"] = tile ? 0.0 : packed.l3;
            py::dict d;
            d["tile"] = tile;
            d["dot"] = dot;
            d["blocking"] = blocking_dict(mm::model_blocking(*info, caches));
            d["packed"] = mm::is_packed(*info);
            d["shares"] = shares;
            d["l1_bytes"] = caches.l1 > 0 ? caches.l1 : mm::FALLBACK_L1;
            d["l2_bytes"] = caches.l2 > 0 ? caches.l2 : mm::FALLBACK_L2;
            d["l3_bytes"] = caches.l3 > 0 ? caches.l3 : mm::FALLBACK_L3;
            d["a_bytes"] = mm::packed_a_size(*info);
            d["b_bytes"] = mm::packed_b_size(*info);
            return d;
        },
        py::arg("kernel_id"), py::kw_only(), py::arg("l1") = 0, py::arg("l2") = 0,
        py::arg("l3") = 0,
        "Return the analytical model's blocking of kernel_id for caches l1, l2, l3 bytes "
        "(0 = this CPU's), with the shares of each level it fills and the sizes used; tile: "
        "whether the tile kernels' rule (A strip in L1, B block in L2) applies; dot: whether the "
        "dot-product kernels' shares (B micro-panel the size of L1, streamed from L2) do; "
        "a_bytes, b_bytes: bytes per packed element of A and B.");
    m.def("gemm", &gemm, py::arg("kernel_id"), py::arg("a"), py::arg("b"), py::arg("c"),
          py::kw_only(), py::arg("mc") = 0, py::arg("kc") = 0, py::arg("nc") = 0,
          py::arg("threads") = 1,
          "Compute c = a @ b with the kernel kernel_id (GIL released while it runs); mc, kc, "
          "nc > 0 replace the model's cache blocks (all 0: the model with its narrow-B rule "
          "for this shape); threads > 1 runs a packed kernel on a team "
          "pinned to the allowed cores.");
}
