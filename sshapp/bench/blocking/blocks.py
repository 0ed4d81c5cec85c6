"""Provides which cache blocks a run of a packed kernel uses: tuned, model, narrow or given."""

from __future__ import annotations

from collections.abc import Callable

from sshapp.bench.blocking.store import Tuned
from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.spec import RunBlocking, Shape
from sshapp.kernels import Blocking, BlockingError, get, narrow_blocking, resolve_blocking

TunedLookup = Callable[[str], Tuned | None]
"""Returns this CPU's tune result for a kernel id (None if never tuned)."""


def run_blocking(
    kernel_id: str,
    *,
    mode: str = "auto",
    mc: int = 0,
    kc: int = 0,
    nc: int = 0,
    tuned: TunedLookup | None = None,
    exact: bool = True,
    shape: Shape | None = None,
) -> RunBlocking | None:
    """Return the blocks a kernel runs with (None for a kernel that does not pack).

    The base is the tune result cached for this CPU (mode "auto", when there is one)
    or the analytical model; each of mc, kc, nc > 0 replaces the base's value. With a
    shape and no explicit blocks, the model's narrow-B rule may deepen the base for it
    (source "narrow"; see `for_shape`).

    Args:
        kernel_id: A native kernel id.
        mode: "auto" (tuned if cached, else model) or "model".
        mc: Explicit MC (0 = the base's).
        kc: Explicit KC (0 = the base's).
        nc: Explicit NC (0 = the base's).
        tuned: Where tune results are looked up (None = never tuned).
        exact: The kernel was named exactly (not through a glob or "best"): explicit
            blocks for a kernel that does not pack are then an error, not ignored.
        shape: The run's m×n×k (None: blocks for any shape).

    Raises:
        SpecError: The blocks are invalid for this kernel (one line).
    """
    info = get(kernel_id)
    given = mc > 0 or kc > 0 or nc > 0
    if not info.packed:
        if given and exact:
            msg = f"{kernel_id} does not use cache blocks (--mc/--kc/--nc are for packed kernels)"
            raise SpecError(msg)
        return None
    base: Blocking = info.blocking
    source = "model"
    found = tuned(kernel_id) if tuned is not None and mode == "auto" else None
    if found is not None:
        base = Blocking(base.MR, base.NR, found.mc, found.kc, found.nc)
        source = "tuned"
    try:
        chosen = resolve_blocking(kernel_id, mc=mc or base.MC, kc=kc or base.KC, nc=nc or base.NC)
    except BlockingError as exc:
        raise SpecError(str(exc)) from None
    blocks = RunBlocking(chosen.MC, chosen.KC, chosen.NC, "given" if given else source)
    return blocks if shape is None else for_shape(kernel_id, blocks, shape)


def for_shape(kernel_id: str, blocks: RunBlocking | None, shape: Shape) -> RunBlocking | None:
    """Return `blocks` for one m×n×k: deepened by the model's narrow-B rule where it applies.

    Explicit (given) blocks are the user's and stay as they are; so do kernels that do
    not pack. For few columns n and deep k (e.g. 4096×64×4096) the rule sets KC, MC,
    NC anew (mm/blocking.hpp) and the source becomes "narrow".
    """
    base = as_blocking(kernel_id, blocks)
    if blocks is None or base is None or blocks.source == "given":
        return blocks
    deep = narrow_blocking(base, kernel_id, shape.m, shape.n, shape.k)
    if deep == base:
        return blocks
    return RunBlocking(deep.MC, deep.KC, deep.NC, "narrow")


def as_blocking(kernel_id: str, blocks: RunBlocking | None) -> Blocking | None:
    """Return a run's blocks as the kernels layer's Blocking (None = kernel default)."""
    if blocks is None:
        return None
    b = get(kernel_id).blocking
    return Blocking(b.MR, b.NR, blocks.mc, blocks.kc, blocks.nc)
