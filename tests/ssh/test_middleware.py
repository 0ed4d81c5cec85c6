"""The middleware chain runs outermost first and can stop a session early."""

from __future__ import annotations

from typing import Any

from sshapp.ssh.middleware import Handler, chain


async def test_chain_order_and_short_circuit() -> None:
    calls: list[str] = []

    def tag(name: str, stop: bool = False) -> Any:
        async def middleware(session: Any, call_next: Handler) -> None:
            calls.append(name)
            if not stop:
                await call_next(session)

        return middleware

    async def handler(session: Any) -> None:
        calls.append("handler")

    await chain(handler, tag("a"), tag("b"))(None)  # type: ignore[arg-type]
    assert calls == ["a", "b", "handler"]
    calls.clear()
    await chain(handler, tag("a", stop=True), tag("b"))(None)  # type: ignore[arg-type]
    assert calls == ["a"]
