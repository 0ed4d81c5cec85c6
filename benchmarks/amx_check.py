"""Proves and measures AMX on this host in one command (issue 25): ``make amx-check``.

Run: ``flock /tmp/sshapp-bench.lock .venv/bin/python benchmarks/amx_check.py`` (≤ 10 min
with AMX, ``--quick`` ≈ 2 min; without AMX, or with ``SSHAPP_DISABLE_ISA=amx``, it says
so in one line and runs the rest in well under a minute). Writes
``benchmarks/results/amx_check.{md,json}``. Sections, in order:

1. host: CPU model/family/stepping, microcode, kernel, load, the vCPUs' topology;
2. permission: whether Linux granted the tile state (``arch_prctl``), else why not;
3. probes: TDPBF16PS / TDPBSSD on each allowed core alone and on all at once (with the
   AVX-512 f32 FMA as a control): is the tile unit per core or shared?
4. correctness: every supported bf16 / int8 kernel (AMX and its AVX-512 fallback)
   against the reference on awkward shapes, raw (no re-run);
5. stress: the exact int8 AMX kernel over and over beside a busy process pinned to the
   same core (a plain spinner, then one running TDPBSSD itself), so the kernel thread is
   descheduled mid-call; counts calls, context switches and mismatches (the VM erratum
   "SPR4", ../shared/AMX_NOTES.md);
6. stand-ins: the emulator / bit-exact tests (tests/native) in a subprocess;
7. tune: ``sshapp tune`` for both AMX kernels (short budget, private state directory);
8. lowp: ``benchmarks/lowp.py`` beside torch / oneDNN, with its AMX targets.

A section that cannot run here says why; one that breaks reports its error and the
others still run. Exit code 1 when a section failed (a wrong product, a failed
stand-in test, tune or lowp not running) or broke; 0 otherwise, AMX or not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import amx_stress  # this script's folder is sys.path[0]

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
AMX_IDS = ("amx.tiles_32x32.bf16", "amx.tiles_32x32.int8")
SHAPES = [
    (1, 1, 1),
    (17, 33, 65),
    (31, 1, 97),
    (33, 47, 129),
    (200, 300, 500),
    (1, 4096, 64),
    (4096, 1, 64),
    (15, 16, 17),
    (32, 32, 32),
    (47, 31, 2049),
    (1000, 1000, 1000),  # above the elementwise limit: the C·t residual check
]
NATIVE_TESTS = [
    "tests/native/test_amx_emulator.py",
    "tests/native/test_avx512_emulated.py",
    "tests/native/test_lowp_kernels.py",
]
QUICK_NATIVE = "not kernels_match_reference and not kernel_source_matches"
"""--quick: the instruction-level and bit-exact stand-in tests, not the ASan kernel runs."""

Result = tuple[str, str, dict[str, Any], list[str]]
"""(status "ok" / "FAIL" / "skip" / "info", one-line result, data, detail lines)."""


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ sections


def _cpuinfo() -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            break  # the first processor's block only
        fields.setdefault(key.strip(), value.strip())
    return fields


def host(ctx: dict[str, Any]) -> Result:
    """CPU identity, microcode, kernel, load and the topology the guest sees."""
    from sshapp import kernels

    info = _cpuinfo()
    cpu = kernels.cpu_info()
    siblings = {}
    for core in cpu.allowed_cores:
        path = Path(f"/sys/devices/system/cpu/cpu{core}/topology/thread_siblings_list")
        siblings[core] = path.read_text().strip() if path.exists() else "?"
    flags = info.get("flags", "").split()
    data = {
        "model_name": info.get("model name", cpu.brand),
        "family": info.get("cpu family"),
        "model": info.get("model"),
        "stepping": info.get("stepping"),
        "microcode": info.get("microcode", "not shown"),
        "kernel": platform.release(),
        "hypervisor": "hypervisor" in flags,
        "amx_flags": [f for f in flags if f.startswith("amx")],
        "allowed_cores": list(cpu.allowed_cores),
        "thread_siblings": siblings,
        "loadavg_start": ctx["loadavg"],
    }
    one = (
        f"{data['model_name']}, family {data['family']} model {data['model']} stepping "
        f"{data['stepping']}, microcode {data['microcode']}, Linux {data['kernel']}"
    )
    lines = [
        f"- cpu: {one}",
        f"- hypervisor: {'yes (a VM guest)' if data['hypervisor'] else 'no'}; "
        f"/proc/cpuinfo AMX flags: {' '.join(data['amx_flags']) or 'none'}",
        f"- allowed cores {data['allowed_cores']}; thread siblings as the guest sees them: "
        + ", ".join(f"cpu{c}: {s}" for c, s in siblings.items()),
    ]
    if data["hypervisor"]:
        lines.append(
            "- in a guest the family/model/microcode are what the hypervisor shows, not "
            "necessarily the silicon's (a Sapphire Rapids host reports model 143, Emerald "
            "Rapids 207)"
        )
    return "info", one, data, lines


def permission(_ctx: dict[str, Any]) -> Result:
    """Whether AMX is usable: CPUID, XCR0, palette, arch_prctl, masking."""
    from sshapp import kernels
    from sshapp.kernels.cpu import FAMILIES, disabled_isa

    cpu = kernels.cpu_info()
    states = {f: cpu.state(f) for f in FAMILIES["amx"]}
    data = {"states": states, "amx_note": cpu.amx_note, "disable_isa": disabled_isa()}
    if all(s == "present" for s in states.values()):
        return "ok", "granted: arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA) succeeded", data, []
    why = data["why"] = _absence() or "?"
    return "skip", f"AMX not usable: {why}", data, [f"- {f}: {s}" for f, s in states.items()]


def _absence() -> str | None:
    """None when the CPU grants AMX here, else why not, from its state (one line)."""
    from sshapp import kernels
    from sshapp.kernels.cpu import FAMILIES, disabled_isa

    cpu = kernels.cpu_info()
    states = [cpu.state(f) for f in FAMILIES["amx"]]
    if all(s == "present" for s in states):
        return None
    if "masked" in states:
        return f"masked by SSHAPP_DISABLE_ISA={disabled_isa()} (the CPU has it)"
    return cpu.amx_note or "the CPU does not report AMX (CPUID leaf 7)"


def _amx_ok() -> str | None:
    """None when AMX runs here, else why not (one line)."""
    from sshapp import kernels

    missing = [k.reason for k in map(kernels.get, AMX_IDS) if not k.supported]
    return missing[0] if missing else None


def probes(ctx: dict[str, Any]) -> Result:
    """TDPBF16PS / TDPBSSD alone on each core and on all cores at once."""
    from sshapp import kernels

    why = _amx_ok()
    if why:
        return "skip", f"needs AMX: {why}", {}, []
    cores = list(kernels.allowed_cores())
    rows: dict[str, Any] = {}
    lines = [
        "| probe | " + " | ".join(f"core {c} alone" for c in cores) + " | all at once | ratio |"
    ]
    lines.append("|---|" + "---:|" * (len(cores) + 2))
    for isa, name in (("amx", "bf16"), ("amx", "int8"), ("avx512", "f32")):
        alone = {c: kernels.measure_fma(isa, name, pin_core=c) for c in cores}
        team = kernels.measure_fma(isa, name, pin_core=ctx["core"], threads=len(cores))
        ratio = team / (sum(alone.values()) / len(alone))
        rows[f"{isa}.{name}"] = {"alone": alone, "team": team, "ratio": ratio}
        cells = " | ".join(f"{v:.0f}" for v in alone.values())
        lines.append(f"| {isa}.{name} | {cells} | {team:.0f} | {ratio:.2f} |")
    n = len(cores)
    amx_ratio = min(rows["amx.bf16"]["ratio"], rows["amx.int8"]["ratio"])
    control = rows["avx512.f32"]["ratio"]
    if n == 1:
        verdict = "one allowed core: per-core vs shared cannot be told here"
    elif amx_ratio >= 0.8 * n:
        verdict = f"per core: {n} cores at once give {amx_ratio:.2f}x one core"
    elif control >= 0.8 * n:
        verdict = (
            f"shared: {amx_ratio:.2f}x with {n} cores, while AVX-512 FMA scales {control:.2f}x"
        )
    else:
        verdict = (
            f"not per core here: AMX {amx_ratio:.2f}x and AVX-512 FMA {control:.2f}x with {n} "
            "cores, so these vCPUs share one physical core's units (SMT siblings on the host?)"
        )
    lines += [
        "",
        "GFLOP/s (int8: GOP/s); ratio = all at once / mean of one core alone.",
        "",
        verdict,
    ]
    return "info", verdict, rows, lines


def correctness(_ctx: dict[str, Any]) -> Result:
    """Every supported bf16/int8 kernel but ref.naive against the reference, raw products."""
    import numpy as np

    from sshapp import kernels

    ids = [k for k in kernels.list_kernels() if k.dtype in ("bf16", "int8") and k.isa != "ref"]
    rng = np.random.default_rng(25)
    data: dict[str, Any] = {}
    lines, wrong = [], 0
    for info in ids:
        if not info.supported:
            data[info.id] = {"skipped": info.reason}
            lines.append(f"- `{info.id}`: not run ({info.reason})")
            continue
        row = kernels.dtype(info.dtype)
        bad = []
        for m, n, k in SHAPES:
            a, b = row.draw(rng, (m, k)), row.draw(rng, (k, n))
            verdict = kernels.check_product(kernels.gemm(info.id, a, b), a, b)
            if not verdict.ok:
                bad.append(f"{m}×{n}×{k} ({verdict.method} error {verdict.error:.3g})")
        wrong += len(bad)
        data[info.id] = {"shapes": len(SHAPES), "wrong": bad}
        lines.append(
            f"- `{info.id}`: {len(SHAPES) - len(bad)}/{len(SHAPES)} shapes ok"
            + (f"; WRONG at {', '.join(bad)}" if bad else "")
        )
    ran = sum(1 for v in data.values() if "shapes" in v)
    lines.append("- shapes: " + ", ".join("×".join(map(str, s)) for s in SHAPES))
    status = "FAIL" if wrong else ("ok" if ran else "skip")
    return status, f"{ran} kernels × {len(SHAPES)} shapes, {wrong} wrong", data, lines


def stress(ctx: dict[str, Any]) -> Result:
    """The exact int8 AMX kernel beside a busy process on the same core (SPR4)."""
    why = _amx_ok()
    if why:
        return "skip", f"needs AMX: {why}", {}, []
    out = amx_stress.run(ctx["core"], ctx["stress_seconds"])
    return (
        ("FAIL" if out["mismatches"] else "ok"),
        amx_stress.summary(out),
        out,
        amx_stress.lines(out),
    )


def standins(ctx: dict[str, Any]) -> Result:
    """tests/native's emulator and bit-exact tests, in a subprocess."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider", *NATIVE_TESTS]
    # Without AMX the ASan kernel runs through the emulators are exactly what `make test`
    # runs (a minute and more on 2 vCPUs): this check keeps to the instruction-level ones.
    no_amx = _amx_ok()
    if ctx["quick"] or no_amx:
        cmd += ["-k", QUICK_NATIVE]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    text = proc.stdout.strip().splitlines()
    summary = text[-1] if text else proc.stderr.strip()[-200:]
    # Failures keep the harness's own diagnostics (lanes, inputs, rules): the whole tail.
    keep = [line for line in text if line.startswith(("FAILED", "ERROR", "SKIPPED"))]
    if proc.returncode not in (0, 5):
        keep += ["", "```", *text[-120:], "```"]
    data = {"command": " ".join(cmd[2:]), "returncode": proc.returncode, "summary": summary}
    status = "ok" if proc.returncode == 0 else "FAIL"
    notes = [f"- `{data['command']}`"]
    if no_amx and not ctx["quick"]:
        notes.append("- no AMX here: the emulated kernel runs are left to `make test`")
    return status, summary, data, [*notes, *(f"- {x}" for x in keep)]


def _state_env(ctx: dict[str, Any]) -> dict[str, str]:
    return {
        **os.environ,
        "SSHAPP_STATE_DIR": str(ctx["state_dir"]),
        "SSHAPP_PIN_CORE": str(ctx["core"]),
    }


def tune(ctx: dict[str, Any]) -> Result:
    """`sshapp tune` for both AMX kernels (private state directory)."""
    why = _amx_ok()
    if why:
        return "skip", f"needs AMX: {why}", {}, []
    budget = "8" if ctx["quick"] else "40"
    cmd = [
        str(Path(sys.executable).with_name("sshapp")),
        "tune",
        *AMX_IDS,
        "--size",
        "1024",
        "--budget",
        budget,
        "--json",
    ]
    proc = subprocess.run(
        cmd, env=_state_env(ctx), capture_output=True, text=True, timeout=300, check=False
    )
    events = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    tuned = [e for e in events if e.get("event") == "tuned"]
    lines = [f"- `sshapp tune {' '.join(cmd[2:])}`"]
    for t in tuned:
        b = t["blocking"]
        gain = t["gflops"] / t["model_gflops"] if t["model_gflops"] else 1.0
        lines.append(
            f"- `{t['kernel']}`: MC={b['mc']} KC={b['kc']} NC={b['nc']} {t['gflops']:.0f} "
            f"GFLOP/s at {t['size']}³, {gain:.3f}× the model ({t['model_gflops']:.0f})"
        )
    data = {"returncode": proc.returncode, "tuned": tuned, "stderr": proc.stderr[-500:]}
    if proc.returncode != 0 or len(tuned) != len(AMX_IDS):
        return "FAIL", f"tune exited {proc.returncode}: {proc.stderr.strip()[-200:]}", data, lines
    one = "; ".join(
        f"{t['kernel']} {t['gflops'] / (t['model_gflops'] or t['gflops']):.3f}× model"
        for t in tuned
    )
    return "ok", one, data, lines


def lowp(ctx: dict[str, Any]) -> Result:
    """benchmarks/lowp.py beside torch / oneDNN, with the issue's AMX targets."""
    why = _amx_ok()
    if why:
        return "skip", f"its AMX targets need AMX ({why}); `make bench-lowp` times the rest", {}, []
    out = Path(ctx["state_dir"]) / "lowp"
    cmd = [
        sys.executable,
        str(ROOT / "benchmarks/lowp.py"),
        "--core",
        str(ctx["core"]),
        "--out",
        str(out),
    ]
    if ctx["quick"]:
        cmd.append("--quick")
    proc = subprocess.run(
        cmd, env=_state_env(ctx), capture_output=True, text=True, timeout=600, check=False
    )
    if proc.returncode != 0:
        return "FAIL", f"lowp.py exited {proc.returncode}: {proc.stderr.strip()[-200:]}", {}, []
    report = json.loads((out / "lowp.json").read_text())
    amx = [c for c in report["checks"] if "`amx." in c]
    data = {
        "torch": report["torch"],
        "checks": report["checks"],
        "checked": report["checked"],
        "peaks": report["peaks"],
        "rows": report["rows"],
        "peer": report["peer"].get("ops", {}),
    }
    wrong = [k for k, v in report["checked"].items() if v != "ok"]
    lines = [
        f"- torch {report['torch'] or 'not installed'}; checks: "
        + ", ".join(f"`{k}` {v}" for k, v in report["checked"].items())
    ]
    lines += [f"- {c}" for c in amx] or ["- (no AMX target measured: --quick has no 1024³/2048³)"]
    lines += [
        "- cache blocks (this run's tune result): "
        + ", ".join(f"`{k}` {v}" for k, v in report.get("blocks", {}).items() if "amx" in k),
        "",
        "| m×n×k | dtype | ours (AMX) | torch / oneDNN | × torch | our AMX int8 × AMX bf16 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        shape = "×".join(map(str, row["shape"]))
        best = {
            d: max(
                (r["best_gflops"] for r in row[d]["ours"] if r["id"].startswith("amx.")),
                default=0.0,
            )
            for d in ("bf16", "int8")
        }
        for d in ("bf16", "int8"):
            peer = (row[d]["peer"] or {}).get("best_gflops")
            vs = f"{best[d] / peer:.2f}" if peer and best[d] else "-"
            cross = f"{best['int8'] / best['bf16']:.2f}" if d == "int8" and best["bf16"] else ""
            lines.append(f"| {shape} | {d} | {best[d]:.0f} | {peer or 0:.0f} | {vs} | {cross} |")
    counts = {v: sum(c.startswith(v) for c in amx) for v in ("PASS", "FAIL", "SKIP")}
    tally = ", ".join(f"{n} {v.lower()}" for v, n in counts.items() if n)
    status = "FAIL" if wrong else "info"
    return (
        status,
        f"AMX targets: {tally or 'none'}" + (f"; WRONG {wrong}" if wrong else ""),
        data,
        lines,
    )


SECTIONS: list[tuple[str, Callable[[dict[str, Any]], Result]]] = [
    ("host", host),
    ("permission", permission),
    ("probes", probes),
    ("correctness", correctness),
    ("stress", stress),
    ("stand-ins", standins),
    ("tune", tune),
    ("lowp", lowp),
]


# ------------------------------------------------------------------------------ report


def render(report: dict[str, Any]) -> str:
    """Returns the markdown report."""
    h = report["sections"]["host"]["data"]
    lines = [
        f"# AMX check — {h.get('model_name', '?')}",
        "",
        f"- when: {report['when']} (UTC), host `{report['host']}`, {report['mode']} run, "
        f"{report['minutes']:.1f} min; load average at start {report['loadavg']}, at end "
        f"{report['loadavg_end']}",
        f"- CPU: family {h.get('family')} model {h.get('model')} stepping {h.get('stepping')}, "
        f"microcode {h.get('microcode')}; kernel {h.get('kernel')}; core {report['core']}",
        f"- command: `{report['command']}`; "
        f"SSHAPP_DISABLE_ISA={report['disable_isa'] or '(unset)'}",
        f"- **{report['headline']}**",
        "",
        "| section | status | seconds | result |",
        "|---|---|---:|---|",
    ]
    for name, s in report["sections"].items():
        lines.append(f"| {name} | {s['status']} | {s['seconds']:.1f} | {s['result']} |")
    for name, s in report["sections"].items():
        lines += ["", f"## {name}", "", f"{s['status']}: {s['result']}", "", *s["lines"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Runs every section, writes the report; 1 if a product was wrong or a test failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--core", type=int, default=max(os.sched_getaffinity(0)))
    parser.add_argument("--out", type=Path, default=RESULTS, help="where amx_check.{md,json} go")
    parser.add_argument(
        "--quick", action="store_true", help="short stress, tune and lowp (≈ 2 min)"
    )
    parser.add_argument("--stress-seconds", type=float, default=None, help="default 60 (quick 10)")
    args = parser.parse_args(argv)

    from sshapp.kernels.cpu import disabled_isa

    started = time.monotonic()
    loadavg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    stress_s = args.stress_seconds or (10.0 if args.quick else 60.0)
    with tempfile.TemporaryDirectory(prefix="amx-check-") as state:
        ctx = {
            "core": args.core,
            "quick": args.quick,
            "stress_seconds": stress_s,
            "state_dir": state,
            "loadavg": loadavg,
        }
        why = _absence() or _amx_ok()
        headline = "AMX runs here" if why is None else f"no AMX here: {why}"
        print(
            f"amx-check: {headline}" + ("" if why is None else "; running what does not need it"),
            flush=True,
        )
        sections: dict[str, Any] = {}
        for name, fn in SECTIONS:
            _progress(f"amx-check: {name} ...")
            t0 = time.monotonic()
            try:
                status, result, data, lines = fn(ctx)
            except Exception as exc:  # one broken section must not lose the others' results
                status, result, data = "ERROR", f"{type(exc).__name__}: {exc}", {}
                lines = ["```", *traceback.format_exc().splitlines()[-15:], "```"]
            sections[name] = {
                "status": status,
                "result": result,
                "seconds": time.monotonic() - t0,
                "data": data,
                "lines": lines,
            }
            _progress(f"amx-check: {name}: {status}: {result}")
    report = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "host": platform.node(),
        "mode": "quick" if args.quick else "full",
        "core": args.core,
        "loadavg": loadavg,
        "loadavg_end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "disable_isa": disabled_isa(),
        "command": "make amx-check" + (" ARGS=--quick" if args.quick else ""),
        "headline": headline,
        "minutes": (time.monotonic() - started) / 60,
        "sections": sections,
    }
    report["minutes"] = (time.monotonic() - started) / 60
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "amx_check.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    (args.out / "amx_check.md").write_text(render(report))
    _progress(f"amx-check: wrote {args.out / 'amx_check.md'} ({report['minutes']:.1f} min)")
    failed = [n for n, s in sections.items() if s["status"] in ("FAIL", "ERROR")]
    if failed:
        _progress(f"amx-check: {', '.join(failed)} did not pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
