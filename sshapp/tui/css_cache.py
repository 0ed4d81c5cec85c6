"""Provides a process-wide cache of parsed Textual CSS, shared by every app in the process.

Textual keeps parsed rules per `Stylesheet` instance, and a new app (and every
`refresh_css`, which re-parses into a fresh `Stylesheet`) tokenises all of its CSS again:
about 50 ms of a session's first screen on this project's 2-core host. A session process
is forked from a zygote that ran the app once (`sshapp.tui.warmup`), so a cache that
lives at module level is already full when the session starts and its first paint skips
the parsing.

The cache key is Textual's own (CSS text, location, defaults flag, tie breaker, scope)
plus the CSS variables in force, because parsed rules have the theme's variables
substituted. Textual already hands the same rule objects out twice from its per-instance
cache, so sharing them across stylesheets relies on nothing new. Textual is pinned
(pyproject), and `install()` checks the method it wraps before touching it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable
from typing import Any

from textual.css.stylesheet import Stylesheet

MAX_ENTRIES = 512
"""Parsed CSS sources kept (one per widget class / file per theme; the app has ~60)."""

_EXPECTED_PARAMETERS = ("self", "css", "read_from", "is_default_rules", "tie_breaker", "scope")

_cache: dict[Hashable, Any] = {}
_installed = False


def _variables_key(stylesheet: Stylesheet) -> tuple[tuple[str, str], ...]:
    variables: dict[str, str] = getattr(stylesheet, "_variables", {})
    return tuple(sorted(variables.items()))


def install() -> bool:
    """Make every Stylesheet in this process share one parse cache (idempotent).

    Returns:
        True if the shared cache is in place, False if this Textual's Stylesheet does not
        look as expected (then nothing is changed and parsing works as before).
    """
    global _installed  # noqa: PLW0603 - one switch per process
    if _installed:
        return True
    original: Callable[..., Any] | None = getattr(Stylesheet, "_parse_rules", None)
    if original is None:
        return False
    if tuple(inspect.signature(original).parameters) != _EXPECTED_PARAMETERS:
        return False

    def _parse_rules(  # noqa: PLR0917 - Textual's signature
        self: Stylesheet,
        css: str,
        read_from: Any,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> Any:
        key = (css, read_from, is_default_rules, tie_breaker, scope, _variables_key(self))
        try:
            return _cache[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable location: parse as Textual would
            return original(self, css, read_from, is_default_rules, tie_breaker, scope)
        rules = original(self, css, read_from, is_default_rules, tie_breaker, scope)
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        _cache[key] = rules
        return rules

    Stylesheet._parse_rules = _parse_rules  # type: ignore[method-assign]
    _installed = True
    return True


def cached_sources() -> int:
    """Return how many parsed CSS sources the shared cache holds."""
    return len(_cache)
