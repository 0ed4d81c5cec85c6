"""The process-wide CSS parse cache: in place on the pinned Textual, keyed by variables."""

from __future__ import annotations

from textual.css.stylesheet import Stylesheet

from sshapp.tui import css_cache
from sshapp.tui.app import BenchApp
from tests.tui.fakes import FAKE_CPU, FakeService

CSS = "Static { color: $accent; }"


def test_installed_on_the_pinned_textual() -> None:
    assert css_cache.install() is True  # BenchApp's import installed it; idempotent


def test_same_css_and_variables_share_rules_other_variables_do_not() -> None:
    first = Stylesheet(variables={"accent": "red"})
    second = Stylesheet(variables={"accent": "red"})
    other = Stylesheet(variables={"accent": "blue"})
    for sheet in (first, second, other):
        sheet.add_source(CSS, read_from=("test_css_cache", "CSS"))
        sheet.parse()
    assert first.rules[0] is second.rules[0]  # parsed once for both
    assert other.rules[0] is not first.rules[0]
    assert str(first.rules[0].styles.color) != str(other.rules[0].styles.color)


async def test_a_second_app_parses_nothing_new() -> None:
    app = BenchApp(FakeService(), "tester", host="bench", cpu=FAKE_CPU)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    after_one = css_cache.cached_sources()
    assert after_one > 10
    app = BenchApp(FakeService(), "tester", host="bench", cpu=FAKE_CPU)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    assert css_cache.cached_sources() == after_one
