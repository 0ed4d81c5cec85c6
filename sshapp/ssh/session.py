"""Provides the per-session handler: build a clean environment, run `sshapp session`, relay."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import asyncssh

from sshapp.cli.session import MAX_COMMAND_CHARS
from sshapp.logfmt import LOG_FD_VARIABLE, SESSION_LOG_FD
from sshapp.ssh.channel import Session
from sshapp.ssh.child import Child, spawn_pipes, spawn_pty
from sshapp.ssh.identity import ASSERT_VARIABLE, asserted
from sshapp.ssh.logline import log_event
from sshapp.ssh.middleware import DEFAULT_CHAIN, Handler, chain
from sshapp.ssh.relay import pump_in, pump_out
from sshapp.ssh.state import Connection, ServerState, SessionEntry, next_id

run_logger = logging.getLogger("sshapp.bench.runs")
"""Sessions log their runs under this name (sshapp.bench.run.runlog), on our stderr."""

_SAFE_VALUE = re.compile(r"^[A-Za-z0-9._+-]{1,64}$")
_CLIENT_HINTS = ("COLORTERM", "NO_COLOR")
"""Client `env` requests that are passed on (display hints only; values sanitised)."""
_SERVER_ONLY = ("SSHAPP_HOSTKEY_DIR", "SSHAPP_HOST", "SSHAPP_PORT", LOG_FD_VARIABLE)


def base_env(state: ServerState, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every session (and the zygote) starts from: minimal + SSHAPP_*."""
    environ = dict(os.environ) if environ is None else environ
    bindir = str(Path(state.options.session_argv[0]).parent)
    env = {
        "PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": environ.get("HOME", "/"),
        "LANG": "C.UTF-8",
    }
    env.update((k, v) for k, v in environ.items() if k.startswith("SSHAPP_"))
    for key in _SERVER_ONLY:
        env.pop(key, None)
    env["SSHAPP_STATE_DIR"] = str(Path(state.settings.state_dir).absolute())
    options = state.options
    if options.fleet is not None:  # a gateway: its sessions drive the nodes
        env["SSHAPP_FLEET"] = options.fleet
        if options.fleet_key is not None:
            env["SSHAPP_FLEET_KEY"] = str(options.fleet_key.absolute())
        if options.fleet_known_hosts is not None:
            env["SSHAPP_FLEET_KNOWN_HOSTS"] = str(options.fleet_known_hosts.absolute())
    return env


def session_identity(session: Session) -> str:
    """Whose session this is: the connection's identity, or the one a gateway asserts.

    Only a connection that logged in with a key of --gateway-keys may assert one (in
    SSHAPP_AS); from any other key the variable is ignored, so nobody who logs in to a
    node directly can claim another's history.
    """
    server = session.server
    if getattr(server, "gateway", False):
        claimed = asserted(session.process.env.get(ASSERT_VARIABLE))
        if claimed is not None:
            return claimed
    return server.identity


def build_env(session: Session, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The child's complete environment: minimal, server settings, identity, hints.

    Nothing the client sends reaches the child except TERM and allow-listed display
    hints (no LD_PRELOAD, PYTHONPATH, TEXTUAL_*, COLUMNS/LINES …).
    """
    env = base_env(session.state, environ)
    env["SSHAPP_USER"] = session_identity(session)
    env["SSHAPP_LOGIN"] = session.server.user
    env["SSHAPP_KEY_FINGERPRINT"] = session.server.fingerprint
    if session.entry.pty:
        env["TERM"] = session.term
        client_env = session.process.env
        env.update(
            (k, client_env[k])
            for k in _CLIENT_HINTS
            if k in client_env and _SAFE_VALUE.match(client_env[k])
        )
    if session.command is not None:
        env["SSH_ORIGINAL_COMMAND"] = session.command
    connection = _connection_line(session.process)
    if connection:  # as sshd sets it: hints then name the address the client reached
        env["SSH_CONNECTION"] = connection
    if run_logger.isEnabledFor(logging.INFO):
        # The child finds our stderr on this fd and logs each benchmark run there.
        env[LOG_FD_VARIABLE] = str(SESSION_LOG_FD)
    return env


def _connection_line(process: asyncssh.SSHServerProcess[bytes]) -> str:
    """`client_ip client_port server_ip server_port`, as OpenSSH's SSH_CONNECTION ("" = unknown)."""
    peer, local = process.get_extra_info("peername"), process.get_extra_info("sockname")
    if not (isinstance(peer, tuple) and isinstance(local, tuple)):
        return ""
    return f"{peer[0]} {peer[1]} {local[0]} {local[1]}"


def _terminal_type(process: asyncssh.SSHServerProcess[bytes]) -> str:
    term = process.term_type or ""
    return term if _SAFE_VALUE.match(term) else "xterm-256color"


async def run_child(session: Session) -> None:
    """Spawn the session process, relay bytes both ways, report its exit status."""
    process, options = session.process, session.state.options
    if session.command is not None and "\0" in session.command:
        session.fail("sshapp: the command contains a NUL byte", 2)
        return
    if session.command is not None and len(session.command) > MAX_COMMAND_CHARS:
        # Refused here: the environment could not even carry it (execve's E2BIG).
        session.fail(f"sshapp: refused: command longer than {MAX_COMMAND_CHARS} characters", 2)
        return
    env = build_env(session)
    argv = list(options.session_argv)
    cols, rows = process.term_size[:2]
    child = await _spawn(session.state, argv, env, pty=session.entry.pty, cols=cols, rows=rows)
    if session.entry.pty:
        outputs = [pump_out(child.fds["pty"], process.stdout)]
        in_fd = child.fds["pty"]
    else:
        outputs = [
            pump_out(child.fds["stdout"], process.stdout),
            pump_out(child.fds["stderr"], process.stderr),
        ]
        in_fd = child.fds["stdin"]
    session.entry.pid = child.pid
    log_event(
        "session_pid",
        conn=session.server.id,
        session=session.entry.id,
        user=session.server.user,
        pid=child.pid,
        forked=child.status is not None,
    )
    await _supervise(session, child, outputs, in_fd)


async def _spawn(
    state: ServerState, argv: list[str], env: dict[str, str], *, pty: bool, cols: int, rows: int
) -> Child:
    """Fork from the zygote when it can run `argv`; otherwise spawn from scratch."""
    forkserver = state.forkserver
    if forkserver is not None and forkserver.accepts(argv):
        try:
            if pty:
                return await forkserver.spawn_pty(argv, env, cols, rows)
            return await forkserver.spawn_pipes(argv, env)
        except (OSError, TimeoutError) as exc:
            log_event("zygote_failed", level=logging.WARNING, error=str(exc))
    return spawn_pty(argv, env, cols, rows) if pty else spawn_pipes(argv, env)


def _close_stdin(child: Child) -> Callable[[], None]:
    def close() -> None:
        fd = child.fds.pop("stdin", None)
        if fd is not None:
            os.close(fd)

    return close


async def _supervise(
    session: Session, child: Child, outputs: list[Coroutine[Any, Any, None]], in_fd: int
) -> None:
    process, options = session.process, session.state.options
    out_tasks = [asyncio.ensure_future(coro) for coro in outputs]
    in_task = asyncio.ensure_future(
        pump_in(
            process.stdin,
            in_fd,
            pty=session.entry.pty,
            on_input=session.server.touch,
            on_eof=(lambda: None) if session.entry.pty else _close_stdin(child),
        )
    )
    exit_task = asyncio.ensure_future(child.exited())
    closed_task = asyncio.ensure_future(process.channel.wait_closed())
    hangup_task = asyncio.ensure_future(session.hangup.wait())
    try:
        await asyncio.wait({exit_task, closed_task, hangup_task}, return_when="FIRST_COMPLETED")
        if exit_task.done():
            child.signal_group(signal.SIGKILL)  # leftovers would keep the PTY open
            # All writers are gone, so the pumps reach EOF once the client has read
            # everything (a client that stops reading meets the idle timeout).
            drained: asyncio.Future[Any] = asyncio.gather(*out_tasks, return_exceptions=True)
            waiters: set[asyncio.Future[Any]] = {drained, closed_task, hangup_task}
            await asyncio.wait(waiters, return_when="FIRST_COMPLETED")
            session.exit(await child.finish())
        else:
            status = await child.hang_up(options.hangup_grace)
            session.status = status
            if not closed_task.done():
                session.exit(status)
    finally:
        for task in (*out_tasks, in_task, exit_task, closed_task, hangup_task):
            task.cancel()
        await asyncio.gather(*out_tasks, in_task, return_exceptions=True)
        if child.returncode is None:
            await child.finish()
        child.close_fds()


def make_process_factory(
    state: ServerState, handler: Handler = run_child
) -> Callable[[asyncssh.SSHServerProcess[bytes]], asyncio.Future[None]]:
    """The asyncssh `process_factory`: each session goes through the middleware chain."""
    wrapped = chain(handler, *DEFAULT_CHAIN)

    def factory(process: asyncssh.SSHServerProcess[bytes]) -> asyncio.Future[None]:
        server: Connection = process.get_extra_info("connection").get_owner()
        server.touch()
        pty = process.term_type is not None
        entry = SessionEntry(id=next_id(), server=server, pty=pty)
        session = Session(process, server, state, entry, process.command, _terminal_type(process))
        entry.notify, entry.end = session.notify, session.hangup.set
        return asyncio.ensure_future(wrapped(session))

    return factory
