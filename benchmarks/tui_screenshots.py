"""Renders README screenshots of the TUI (run view, ladder, thread scaling, Tune screen; with
--real also the precision view) as SVG and PNG.

Usage: python benchmarks/tui_screenshots.py [--real] [--tune-only] [OUT_DIR]   (default: docs/)

By default the app runs on the deterministic fake service used by the tests
(tests/tui/fakes.py), so the pictures do not depend on this machine. With --real it runs the
real engine (temporary state directory): every f32 kernel at 512 for the ladder, then a
3-second budget run of avx2.packed_6x16.f32 at 1024 for the live chart, then every packed
kernel at 2048 on the scaling series (1, 2 ... all allowed cores); run it under
`flock /tmp/sshapp-bench.lock`. The Tune shot re-times the first packed kernel at 1024
while KC goes from the model's to a quarter of it, back, then ×2 and ×4 (3 s each).
PNG conversion needs cairosvg (pip) and the Fira Code
font (apt: fonts-firacode) plus DejaVu Sans for braille and symbols (apt: fonts-dejavu-core).
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sshapp.tui.app import BenchApp  # noqa: E402
from sshapp.tui.screens.run import RunScreen  # noqa: E402
from tests.tui.fakes import FAKE_CPU, FakeService, ladder_history  # noqa: E402

SIZE = (100, 30)
"""Terminal size of the screenshots."""
FALLBACK = re.compile(
    "[\u2580-\u259f\u00b7\u2800-\u28ff\u221b\u271a\u25c6\u25b2\u25a0\u25cf\u25cb\u25b3\u25a1\u25cc\u2717\u2713]"
)
"""Characters Fira Code lacks: drawn one by one in DejaVu Sans, each in its own cell."""
TEXT = re.compile(r'<text ([^>]*?)x="([\d.]+)"([^>]*?)textLength="([\d.]+)"([^>]*)>([^<]*)</text>')


def _split_fallback(svg: str) -> str:
    """Give each fallback glyph its own <text> at its cell, in a font that has it."""

    def fix(match: re.Match[str]) -> str:
        pre, x, mid, length, post, content = match.groups()
        if not FALLBACK.search(content):
            return match.group(0)
        chars = re.findall(r"&#?\w+;|.", content)
        cell = float(length) / max(len(chars), 1)
        parts = []
        for i, char in enumerate(chars):
            font = ' style="font-family: DejaVu Sans"' if FALLBACK.match(char) else ""
            parts.append(
                f'<text {pre}x="{float(x) + i * cell:.1f}"{mid}textLength="{cell:.1f}"'
                f"{post}{font}>{char}</text>"
            )
        return "".join(parts)

    return TEXT.sub(fix, svg)


def to_png(svg_path: Path) -> Path:
    """Convert one Textual SVG screenshot to PNG next to it."""
    import cairosvg

    png = svg_path.with_suffix(".png")
    fixed = _split_fallback(svg_path.read_text())
    cairosvg.svg2png(bytestring=fixed.encode(), write_to=str(png), output_width=1400)
    return png


async def _submit(
    app: BenchApp,
    pilot: Any,
    kernels: str,
    *,
    m: str,
    stop: str,
    amount: str,
    threads: str = "1",
) -> None:
    await pilot.press("s")
    await pilot.pause()
    setup = app.screen
    setup.query_one("#kernels").value = kernels
    setup.query_one("#m").value = m
    setup.query_one("#stop").value = stop
    setup.query_one("#amount").value = amount
    setup.query_one("#threads").value = threads
    await pilot.pause()
    await pilot.press("ctrl+r")


async def shoot(out: Path, real: bool) -> list[Path]:
    """Drive the app to the two views and save their SVGs."""
    if real:
        from sshapp.bench.engine import Engine
        from sshapp.config import Settings

        state = Path(tempfile.mkdtemp(prefix="sshapp-shots-"))
        app = BenchApp(
            Engine(Settings.from_env(state_dir=state), "demo"), "demo", host="bench.host"
        )
    else:
        service = FakeService(delay=0.12, history=ladder_history())
        app = BenchApp(service, "demo", host="bench.host", cpu=FAKE_CPU)
    saved: list[Path] = []
    async with app.run_test(size=SIZE) as pilot:
        if real:
            await _submit(app, pilot, "*.f32", m="512", stop="repeats", amount="5")
            while not (isinstance(app.screen, RunScreen) and app.session.results):
                await asyncio.sleep(0.2)
            while app.screen.busy:
                await asyncio.sleep(0.2)
            await _submit(app, pilot, "avx2.packed_6x16.f32", m="1024", stop="seconds", amount="3")
        else:
            await _submit(app, pilot, "avx2.packed_6x16.f32", m="1024", stop="repeats", amount="40")
        while not (isinstance(app.screen, RunScreen) and len(app.screen.samples) >= 24):
            await asyncio.sleep(0.02)
        await pilot.pause(0.3)
        saved.append(Path(app.save_screenshot(str(out / "tui-run.svg"))))
        app.screen.action_cancel()  # type: ignore[attr-defined]
        await pilot.pause(0.2)
        await pilot.press("r", "2")
        await pilot.pause(0.3)
        saved.append(Path(app.save_screenshot(str(out / "tui-ladder.svg"))))
        if real:  # the fake history already holds a scaling series
            before = len(app.session.results)
            await _submit(
                app, pilot, "*.packed_*", m="2048", stop="repeats", amount="3", threads="scaling"
            )
            while not (isinstance(app.screen, RunScreen) and len(app.session.results) > before):
                await asyncio.sleep(0.2)
            while app.screen.busy:
                await asyncio.sleep(0.2)
        await pilot.press("r", "6")
        await pilot.pause(0.3)
        saved.append(Path(app.save_screenshot(str(out / "tui-scaling.svg"))))
        if real:  # the packed kernels of every dtype ran at 2048: what precision buys
            await pilot.press("r", "5")
            await pilot.pause(0.3)
            saved.append(Path(app.save_screenshot(str(out / "tui-precision.svg"))))
    return saved


async def shoot_tune(out: Path, real: bool) -> Path:
    """Drive the Tune screen through a few changes of KC and save it mid-tune."""
    if real:
        from sshapp.bench.engine import Engine
        from sshapp.config import Settings

        state = Path(tempfile.mkdtemp(prefix="sshapp-shots-"))
        app = BenchApp(
            Engine(Settings.from_env(state_dir=state), "demo"), "demo", host="bench.host"
        )
    else:
        app = BenchApp(FakeService(), "demo", host="bench.host", cpu=FAKE_CPU)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        screen = app.screen
        while getattr(getattr(screen, "tune", None), "now_gflops", None) is None:
            await asyncio.sleep(0.1)
        # The model's KC, a quarter of it, back to the model, then ×2 and ×4.
        for keys in ((), ("left", "left"), ("o",), ("right",), ("right",)):
            await pilot.press(*keys)
            await asyncio.sleep(3.0)
        await pilot.pause(0.3)
        return Path(app.save_screenshot(str(out / "tui-tune.svg")))


def main() -> int:
    """Write docs/tui-run, tui-ladder, tui-scaling, tui-tune (and, real, tui-precision)."""
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0]) if args else ROOT / "docs"
    out.mkdir(parents=True, exist_ok=True)
    real = "--real" in sys.argv
    if "--tune-only" not in sys.argv:
        for svg in asyncio.run(shoot(out, real=real)):
            print(svg, to_png(svg))
    tune = asyncio.run(shoot_tune(out, real=real))
    print(tune, to_png(tune))
    return 0


if __name__ == "__main__":
    sys.exit(main())
