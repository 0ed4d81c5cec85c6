"""Provides the Tune screen's text lines: blocks and the numbers under the bars (no Textual)."""

from __future__ import annotations

from sshapp.bench.blocking.search import KEEP_GAIN
from sshapp.bench.blocking.store import Tuned
from sshapp.kernels import Blocking


def blocks(b: Blocking) -> str:
    """Return "MC=.. KC=.. NC=..."."""
    return f"MC={b.MC} KC={b.KC} NC={b.NC}"


def verdict(tuned: Tuned, model: Blocking | None) -> str:
    """Return the line on a search's verdict: a ratio from its own head-to-head, never
    its absolute figures (timed apart, they are not the live ones under it)."""
    b = f"MC={tuned.mc} KC={tuned.kc} NC={tuned.nc}"
    if model is not None and (tuned.mc, tuned.kc, tuned.nc) == (model.MC, model.KC, model.NC):
        return f"autotune kept the model's {b}: none won by {KEEP_GAIN - 1:.0%} head-to-head"
    gain = tuned.gflops / tuned.model_gflops if tuned.model_gflops else 0.0
    return f"autotune winner {b}: ×{gain:.2f} the model head-to-head; w saves"


def rights(operator: bool) -> str:
    """Return what w may store for this user (shown when the screen starts)."""
    if operator:
        return "w stores any blocks as the host default (you are an operator)"
    return "w stores autotune winners only (hand-picked: operators)"


def default(saved: Tuned | None) -> str:
    """Return the host's default blocks of the kernel, as every user's runs get them."""
    if saved is None:
        return "host default: the model's blocks"
    return f"host default: MC={saved.mc} KC={saved.kc} NC={saved.nc} (tuned)"


def _gf(v: float | None) -> str:
    return f"{v:.1f}" if v else "-"


def numbers(
    measured: dict[Blocking, float],
    model: Blocking | None,
    now: float | None,
    peak: float | None,
    blas: float | None,
) -> str:
    """Return two lines: current, the model's, % of peak, ×BLAS; best so far and where.

    Args:
        measured: Median GFLOP/s of the live series per blocking.
        model: The model's blocks (None: unknown).
        now: The latest sample's GFLOP/s.
        peak: The measured FMA peak of the kernel's ISA and dtype.
        blas: The host BLAS at the same size.
    """
    best_b = max(measured, key=measured.__getitem__, default=None)
    best = measured.get(best_b) if best_b else None
    model_g = measured.get(model) if model else None
    of_peak = f"{now / peak:.0%} of peak" if now and peak else "peak -"
    vs_blas = f"×{now / blas:.2f} BLAS" if now and blas else "×BLAS -"
    where = f" at {blocks(best_b)}" if best_b else ""
    return (
        f"now {_gf(now)} GF/s · model's {_gf(model_g)} · {of_peak} · {vs_blas}\n"
        f"best so far {_gf(best)}{where}  (live medians)"
    )
