"""Provides the Tune screen's text lines: blocks and the numbers under the bars (no Textual)."""

from __future__ import annotations

from sshapp.kernels import Blocking


def blocks(b: Blocking) -> str:
    """Return "MC=.. KC=.. NC=..."."""
    return f"MC={b.MC} KC={b.KC} NC={b.NC}"


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
        measured: Best GFLOP/s seen per blocking.
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
        f"best so far {_gf(best)}{where}"
    )
