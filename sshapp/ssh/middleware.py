"""Provides the session middleware chain: recover, log, refuse extras, limit sessions."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from functools import partial

from sshapp.ssh.channel import Session
from sshapp.ssh.logline import log_event, logger

LOGGED_COMMAND_CHARS = 512
"""Longest part of a client's command copied into the session_start line."""

Handler = Callable[[Session], Awaitable[None]]
Middleware = Callable[[Session, Handler], Awaitable[None]]


def chain(handler: Handler, *middlewares: Middleware) -> Handler:
    """Wrap `handler` so that the first middleware runs outermost."""
    for middleware in reversed(middlewares):
        handler = partial(middleware, call_next=handler)  # type: ignore[call-arg]
    return handler


async def recover(session: Session, call_next: Handler) -> None:
    """Turn any failure into a log line and a one-line message to the client (exit 1)."""
    try:
        await call_next(session)
    except Exception:
        logger.exception("session %d failed", session.entry.id)
        session.fail("sshapp: internal error, the session cannot start; sorry", 1)


async def log_session(session: Session, call_next: Handler) -> None:
    """Log one line when the session starts and one when it ends."""
    start = time.monotonic()
    log_event(
        "session_start",
        conn=session.server.id,
        session=session.entry.id,
        user=session.server.user,
        identity=session.server.identity,
        kind="pty" if session.entry.pty else "exec",
        term=session.term if session.entry.pty else None,
        command=session.command[:LOGGED_COMMAND_CHARS] if session.command else None,
        subsystem=session.process.subsystem,
    )
    try:
        await call_next(session)
    finally:
        log_event(
            "session_end",
            conn=session.server.id,
            session=session.entry.id,
            pid=session.entry.pid or None,
            status=session.status,
            seconds=round(time.monotonic() - start, 3),
        )


async def refuse_extras(session: Session, call_next: Handler) -> None:
    """Refuse subsystem requests (sftp and every other) with a message, exit 1."""
    subsystem = session.process.subsystem
    if subsystem is not None:
        session.fail(f"sshapp: the {subsystem!r} subsystem is not offered here (no sftp/scp)", 1)
        return
    await call_next(session)


async def limit_sessions(session: Session, call_next: Handler) -> None:
    """Count the session against server-wide, per-identity and per-connection limits."""
    state, server = session.state, session.server
    if state.draining:
        session.fail("sshapp: the server is shutting down", 1)
        return
    if len(state.sessions) >= state.options.max_sessions:
        log_event("session_refused", level=logging.WARNING, conn=server.id, reason="server full")
        session.fail("sshapp: the server is full, please try again in a minute", 1)
        return
    if len(server.sessions) >= state.options.max_channels:
        session.fail(f"sshapp: at most {state.options.max_channels} sessions per connection", 1)
        return
    gateway = getattr(server, "gateway", False)  # a gateway keeps its users' quotas
    if not gateway and state.sessions_of(server.identity) >= state.options.max_per_user:
        log_event("session_refused", level=logging.WARNING, conn=server.id, reason="per user")
        session.fail(f"sshapp: at most {state.options.max_per_user} sessions per user", 1)
        return
    state.sessions.add(session.entry)
    server.sessions.add(session.entry)
    try:
        await call_next(session)
    finally:
        state.sessions.discard(session.entry)
        server.sessions.discard(session.entry)


DEFAULT_CHAIN: tuple[Middleware, ...] = (recover, log_session, refuse_extras, limit_sessions)
"""The order sessions go through, outermost first."""
