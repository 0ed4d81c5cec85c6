// Bindings: timing one kernel with a per-sample callback. The GIL is released for the
// whole run and taken back only to call on_sample, between samples.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "mm/kernel.hpp"
#include "mm/timing.hpp"

namespace py = pybind11;

const mm::KernelInfo& lookup_supported(const std::string& id);
py::dict blocking_dict(const mm::Blocking& b);
mm::Blocking checked_blocking(const mm::KernelInfo& info, int mc, int kc, int nc);

void register_timing(py::module_& m) {
    m.def(
        "time_kernel",
        [](const std::string& id, std::int64_t m_, std::int64_t n, std::int64_t k, int warmup,
           int repeats, double budget_seconds, int pin_core, double min_sample_seconds,
           double deadline_seconds, std::optional<py::function> on_sample, int mc, int kc,
           int nc, int threads) {
            const mm::KernelInfo& info = lookup_supported(id);
            const mm::Blocking blk = checked_blocking(info, mc, kc, nc);
            mm::TimingOptions opts;
            opts.warmup = warmup;
            opts.repeats = repeats;
            opts.budget_seconds = budget_seconds;
            opts.pin_core = pin_core;
            opts.min_sample_seconds = min_sample_seconds;
            opts.deadline_seconds = deadline_seconds;
            opts.blocking = blk;
            opts.threads = threads;
            try {
                mm::team_cores_for(info, threads, pin_core);  // one line, before anything runs
            } catch (const std::invalid_argument& e) {
                throw py::value_error(e.what());
            }
            mm::SampleFn cb;
            if (on_sample) {
                cb = [&on_sample](int index, double seconds) {
                    py::gil_scoped_acquire gil;
                    py::object r = (*on_sample)(index, seconds);
                    return r.is_none() || r.cast<bool>();
                };
            }
            mm::TimingResult res;
            {
                py::gil_scoped_release release;
                res = mm::time_gemm(info, m_, n, k, opts, cb);
            }
            py::dict d;
            d["samples"] = res.samples;
            d["calls_per_sample"] = res.calls_per_sample;
            d["cancelled"] = res.cancelled;
            d["timed_out"] = res.timed_out;
            d["blocking"] = blocking_dict(blk);
            return d;
        },
        py::arg("kernel_id"), py::arg("m"), py::arg("n"), py::arg("k"), py::kw_only(),
        py::arg("warmup") = 1, py::arg("repeats") = 5, py::arg("budget_seconds") = 0.0,
        py::arg("pin_core") = -1, py::arg("min_sample_seconds") = 2e-3,
        py::arg("deadline_seconds") = 0.0, py::arg("on_sample") = py::none(),
        py::arg("mc") = 0, py::arg("kc") = 0, py::arg("nc") = 0, py::arg("threads") = 1,
        "Time kernel_id on m x n x k inputs; on_sample(index, seconds) after each sample "
        "(return False to stop); no call starts that would end after deadline_seconds of "
        "wall clock (0 = none), warm-up included; mc, kc, nc > 0 replace the model's cache "
        "blocks (all 0: the model with its narrow-B rule for m x n x k); threads > 1 runs a packed kernel on a pinned team (pin_core first). Returns "
        "samples (seconds per call), calls_per_sample, cancelled, timed_out, blocking.");
}
