"""Provides checked products: an AMX product that fails its check is re-run, then replaced.

Why AMX alone: a possible Sapphire Rapids erratum in VMs ("SPR4", ../shared/AMX_NOTES.md)
may save a descheduled guest thread's tiles as zeroes, so a correct kernel can hand back
a wrong block now and then. A second run tells a lost tile state (right the second time)
from a broken kernel (wrong again); a kernel that is wrong twice is not trusted, and the
AVX-512 kernel of the same dtype computes the product instead. Other kernels have no such
failure mode: their wrong product is reported as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sshapp.config import GIB
from sshapp.kernels.check import CheckResult, check_product
from sshapp.kernels.dtypes import Array
from sshapp.kernels.gemm import gemm
from sshapp.kernels.registry import Blocking, get, list_kernels

log = logging.getLogger(__name__)

RETRIED_FAMILIES = ("amx",)
"""Kernel ISA families whose failed product is re-run once (state that a VM can lose)."""
FALLBACK_FAMILY = "avx512"
"""Family that computes the product when a retried kernel is wrong twice."""
SEE_NOTES = "tile state lost? see AMX_NOTES"


@dataclass(frozen=True, slots=True)
class Checked:
    """A product, its verdict, and what happened on the way."""

    c: Array
    """The product handed back: right by `check` unless `check.ok` is False."""
    check: CheckResult
    """Verdict of `c`."""
    kernel_id: str
    """Kernel that computed `c` (the fallback's id when the asked one was rejected)."""
    accepted: bool
    """Whether the asked kernel's own product passed (first time or on its re-run)."""
    error: float
    """Error of the asked kernel's last product (what `check_error` of a run reports)."""
    notice: str = ""
    """One line when a re-run or a fallback happened ("" otherwise)."""


def describe(verdict: CheckResult) -> str:
    """Return a check's error in a few words ("3 wrong elements", "error 0.5 > 1e-05")."""
    if verdict.tolerance == 0:  # the exact rule counts wrong elements (or residual rows)
        what = "elements" if verdict.method == "elementwise" else "residual rows"
        return f"{verdict.error:.0f} wrong {what}"
    return f"error {verdict.error:.3g} > tolerance {verdict.tolerance:.3g}"


def fallback_kernel(kernel_id: str) -> str | None:
    """Return the AVX-512 kernel of `kernel_id`'s dtype that runs here (None: there is none).

    The table is ordered fastest first within a dtype, so the first supported one is it.
    """
    wanted = get(kernel_id).dtype
    return next(
        (
            k.id
            for k in list_kernels()
            if k.dtype == wanted and k.isa == FALLBACK_FAMILY and k.supported and k.ladder_step
        ),
        None,
    )


def checked_gemm(
    kernel_id: str,
    a: Array,
    b: Array,
    *,
    blocking: Blocking | None = None,
    max_bytes: int = GIB,
    threads: int = 1,
    seed: int = 0,
) -> Checked:
    """Return a @ b by one kernel, checked against the reference; never a wrong product
    marked right.

    An `amx.*` product that fails its check is computed once more and checked again; if
    it fails again, the AVX-512 kernel of that dtype computes it (if this CPU runs one)
    and `accepted` is False. Either event leaves a one-line `notice`.

    Args:
        kernel_id: Kernel to use.
        a: m×k matrix of the kernel dtype's input type.
        b: k×n matrix, same type.
        blocking: Cache blocks of `kernel_id` (None = the model's); the fallback runs
            with its own model's.
        max_bytes: Limit on the A+B+C footprint.
        threads: Threads of the packed driver's team (the fallback's too: every packed
            kernel runs on a team).
        seed: Seed of the residual check's random vector.

    Returns:
        The product, its verdict and what happened.

    Raises:
        The errors of `gemm` (unknown or unsupported kernel, wrong dtype or shape...).
    """
    c = gemm(kernel_id, a, b, blocking=blocking, max_bytes=max_bytes, threads=threads)
    verdict = check_product(c, a, b, seed=seed)
    if verdict.ok or get(kernel_id).isa not in RETRIED_FAMILIES:
        return Checked(c, verdict, kernel_id, verdict.ok, verdict.error)
    first = describe(verdict)
    c = gemm(kernel_id, a, b, blocking=blocking, max_bytes=max_bytes, threads=threads)
    verdict = check_product(c, a, b, seed=seed)
    if verdict.ok:
        notice = f"AMX product was wrong once ({first}) and right on re-run ({SEE_NOTES})"
        log.warning("%s %sx%sx%s: %s", kernel_id, a.shape[0], b.shape[1], a.shape[1], notice)
        return Checked(c, verdict, kernel_id, True, verdict.error, notice)
    rejected = f"AMX result rejected: {kernel_id} was wrong twice ({first}; {describe(verdict)})"
    alt = fallback_kernel(kernel_id)
    if alt is None:
        notice = f"{rejected}; no AVX-512 kernel of {get(kernel_id).dtype} runs here"
        log.warning("%s", notice)
        return Checked(c, verdict, kernel_id, False, verdict.error, notice)
    c_alt = gemm(alt, a, b, max_bytes=max_bytes, threads=threads)
    alt_verdict = check_product(c_alt, a, b, seed=seed)
    state = "check ok" if alt_verdict.ok else f"wrong too: {describe(alt_verdict)}"
    notice = f"{rejected}; computed by {alt} instead ({state}; {SEE_NOTES})"
    log.warning("%s", notice)
    return Checked(c_alt, alt_verdict, alt, False, verdict.error, notice)
