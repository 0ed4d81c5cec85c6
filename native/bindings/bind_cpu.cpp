// Bindings: CPU identity and features, and the AMX permission's refusal reasons.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <utility>

#include "amx_permission.hpp"
#include "mm/cpu.hpp"

namespace py = pybind11;

void register_cpu(py::module_& m) {
    m.def(
        "cpu_info",
        []() {
            const mm::CpuInfo& c = mm::cpu();
            py::dict features, detected;
            for (const auto& fn : mm::feature_names()) {
                features[fn.name] = (c.features & fn.bit) != 0;
                detected[fn.name] = (c.detected & fn.bit) != 0;
            }
            py::dict d;
            d["vendor"] = c.vendor;
            d["brand"] = c.brand;
            d["l1d_bytes"] = c.l1d_bytes;
            d["l2_bytes"] = c.l2_bytes;
            d["l3_bytes"] = c.l3_bytes;
            d["family"] = c.family;
            d["model"] = c.model;
            py::dict caches;
            const std::pair<const char*, const mm::CacheLevel*> levels[] = {
                {"l1d", &c.l1d}, {"l2", &c.l2}, {"l3", &c.l3}};
            for (const auto& [name, level] : levels) {
                py::dict one;
                one["bytes"] = level->bytes;
                one["ways"] = level->ways;
                one["line"] = level->line;
                caches[name] = one;
            }
            d["caches"] = caches;
            d["cache_source"] = c.cache_source;
            d["features"] = features;
            d["detected"] = detected;
            d["amx_note"] = c.amx_note;
            d["unknown_disable_names"] = c.unknown_disable_names;
            return d;
        },
        "Return the CPU's vendor, brand, cache sizes and feature flags (after masking).");
    m.def(
        "amx_refusal_reason",
        [](int err) { return mm::amx_refusal_reason(err); },
        py::arg("err"),
        "Return the one-line reason cpu_info()['amx_note'] gives when Linux refuses AMX tile "
        "permission with errno err (EINVAL, EOPNOTSUPP, EPERM, ENOSPC, else strerror).");
}
