"""Renders README screenshots of the TUI (run view with a live chart, ladder) as SVG and PNG.

Usage: python benchmarks/tui_screenshots.py [OUT_DIR]   (default: docs/)

Runs the app on the deterministic fake service used by the tests (tests/tui/fakes.py), so the
pictures do not depend on this machine. PNG conversion needs cairosvg (pip) and the Fira Code
font (apt: fonts-firacode) plus DejaVu Sans for braille and symbols (apt: fonts-dejavu-core).
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sshapp.tui.app import BenchApp  # noqa: E402
from sshapp.tui.screens.run import RunScreen  # noqa: E402
from tests.tui.fakes import FAKE_CPU, FakeService, ladder_history  # noqa: E402

SIZE = (100, 30)
"""Terminal size of the screenshots."""
FALLBACK = re.compile(
    "[\u2800-\u28ff\u221b\u271a\u25c6\u25b2\u25a0\u25cf\u25cb\u25b3\u25a1\u25cc\u2717\u2713]"
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


async def shoot(out: Path) -> list[Path]:
    """Drive the app to the two views and save their SVGs."""
    service = FakeService(delay=0.12, history=ladder_history())
    app = BenchApp(service, "demo", host="bench.host", cpu=FAKE_CPU)
    saved: list[Path] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        setup = app.screen
        setup.query_one("#kernels").value = "avx2.packed_6x16.f32"  # type: ignore[attr-defined]
        setup.query_one("#amount").value = "40"  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.press("ctrl+r")
        while not (isinstance(app.screen, RunScreen) and len(app.screen.samples) >= 24):
            await asyncio.sleep(0.02)
        await pilot.pause(0.3)
        saved.append(Path(app.save_screenshot(str(out / "tui-run.svg"))))
        app.screen.action_cancel()  # type: ignore[attr-defined]
        await pilot.pause(0.2)
        await pilot.press("r", "2")
        await pilot.pause(0.3)
        saved.append(Path(app.save_screenshot(str(out / "tui-ladder.svg"))))
    return saved


def main() -> int:
    """Write docs/tui-run.{svg,png} and docs/tui-ladder.{svg,png}."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    out.mkdir(parents=True, exist_ok=True)
    for svg in asyncio.run(shoot(out)):
        print(svg, to_png(svg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
