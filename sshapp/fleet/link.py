"""Provides NodeLink: one asyncssh client connection to a node, a channel per call.

The link owns a thread running its own event loop, so it serves both the synchronous
half of BenchService (kernels, plan, history: the caller blocks for one call) and its
streams (runs: lines are handed to the caller's loop as they arrive), whichever loop
the caller runs (Textual's, or `asyncio.run` in the CLI). The connection is opened on
first use, checked with the protocol hello, reused by every call and reopened after it
is lost. Closing a stream, or cancelling its consumer, closes its channel: the node
then cancels the run and hands its queue on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import AsyncGenerator, Callable, Coroutine
from typing import Any, TypeVar

import asyncssh

from sshapp.bench.protocol import wire
from sshapp.fleet.address import ClientAuth, NodeAddress, NodeError, NodeExit
from sshapp.fleet.channel import exec_lines, reason

__all__ = ["ClientAuth", "NodeAddress", "NodeError", "NodeExit", "NodeLink"]

T = TypeVar("T")


KEEPALIVE_SECONDS = 5.0
"""A node that stops answering keepalives for 3 of these is lost (a run's stream ends)."""


async def bounded(coro: Coroutine[Any, Any, T], seconds: float) -> T:
    """Await `coro` for at most `seconds`, then give up without waiting for it.

    asyncio.wait_for waits for the cancelled task to finish; a handshake that ignores
    the cancellation would then hold the caller until its own, longer timeout.

    Raises:
        TimeoutError: It did not finish in time (it is cancelled and left behind).
    """
    task = asyncio.ensure_future(coro)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # no warning
        raise TimeoutError
    return task.result()


class NodeLink:
    """One reused SSH connection to one node, with a channel per call."""

    def __init__(self, address: NodeAddress, auth: ClientAuth) -> None:
        """Create the link; nothing connects until the first call."""
        self.address = address
        """The node."""
        self.auth = auth
        """How to log in."""
        self.hello: dict[str, Any] | None = None
        """The node's hello on the current connection."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._conn: asyncssh.SSHClientConnection | None = None
        self._connecting: asyncio.Lock | None = None
        self._guard = threading.Lock()

    # -- the link's own loop -------------------------------------------------------
    def _submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        with self._guard:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=loop.run_forever, name=f"node-{self.address.name}", daemon=True
                )
                self._thread.start()
                self._loop = loop
            return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def close(self) -> None:
        """Close the connection and stop the link's thread (idempotent)."""
        with self._guard:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is None or thread is None:
            return
        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            asyncio.run_coroutine_threadsafe(self._disconnect(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        if not thread.is_alive():
            loop.close()

    async def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.wait_closed(), 2)

    # -- connection ----------------------------------------------------------------
    def _error(self, what: str, state: str = "down") -> NodeError:
        return NodeError(f"node {self.address.name}: {what}", state)

    def _env(self) -> dict[str, str]:
        user = self.auth.assert_user
        return {"SSHAPP_AS": user} if user else {}

    async def _connection(self) -> asyncssh.SSHClientConnection:
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            conn = self._conn
            if conn is not None and not conn.is_closed():
                return conn
            self._conn, self.hello = None, None
            try:
                conn = await bounded(self._open(), self.auth.connect_timeout)
            except TimeoutError:
                why = f"no answer within {self.auth.connect_timeout:g} s"
                raise self._error(why) from None
            except (OSError, asyncssh.Error) as exc:
                refused = isinstance(exc, asyncssh.HostKeyNotVerifiable)
                raise self._error(reason(exc), "refused" if refused else "down") from None
            self._conn = conn
            try:
                lines, status, err = await bounded(
                    exec_lines(conn, ["version", "--json"], None, self._env()),
                    self.auth.connect_timeout,
                )
                if status != 0 or len(lines) != 1:
                    raise wire.ProtocolError(err or "no hello")
                wire.check_hello(lines[0], f"node {self.address.name}")
            except (wire.ProtocolError, TimeoutError) as exc:
                await self._disconnect()
                if isinstance(exc, TimeoutError):
                    msg = "no hello in time"
                    raise self._error(msg) from None
                why = str(exc)
                raise NodeError(
                    why if why.startswith("node ") else f"node {self.address.name}: {why}",
                    "incompatible" if "incompatible" in why else "bad",
                ) from None
            self.hello = lines[0]
            return conn

    async def _open(self) -> asyncssh.SSHClientConnection:
        auth, addr = self.auth, self.address
        keys = [str(auth.key_file)] if auth.key_file is not None else []
        known = str(auth.known_hosts) if auth.known_hosts is not None else None
        return await asyncssh.connect(
            addr.host,
            addr.port,
            username=auth.username,
            client_keys=keys,
            known_hosts=known,
            agent_path=None,
            config=[],
            password=None,
            preferred_auth="publickey,keyboard-interactive" if keys else "keyboard-interactive",
            connect_timeout=auth.connect_timeout,
            login_timeout=auth.connect_timeout,
            keepalive_interval=KEEPALIVE_SECONDS,
            keepalive_count_max=3,
            kbdint_auth=True,
            **auth.options,
        )

    # -- one channel -----------------------------------------------------------------
    async def _call(self, argv: list[str], sink: Callable[[dict[str, Any]], None] | None) -> Any:
        conn = await self._connection()
        try:
            lines, status, err = await exec_lines(conn, argv, sink, self._env())
        except wire.ProtocolError as exc:
            why = f"bad answer: {exc}"
            raise self._error(why, "bad") from None
        except (OSError, asyncssh.Error) as exc:
            raise self._error(reason(exc)) from None
        if status != 0:
            line = err.removeprefix("sshapp: error: ") or f"{argv[0]} exited with {status}"
            raise NodeExit(line, status)
        return lines

    def call(self, argv: list[str]) -> list[dict[str, Any]]:
        """Run one verb and return its JSON lines (blocks the calling thread).

        Raises:
            NodeError: Unreachable, timed out or bad answer (NodeExit: it failed there).
        """
        future = self._submit(self._call(argv, None))
        try:
            lines: list[dict[str, Any]] = future.result(self.auth.call_timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            why = f"no answer within {self.auth.call_timeout:g} s"
            raise self._error(why) from None
        return lines

    async def stream(self, argv: list[str]) -> AsyncGenerator[dict[str, Any], None]:
        """Yield one verb's JSON lines as they arrive, in the caller's loop.

        Closing the generator or cancelling its consumer closes the channel and waits
        (briefly) until it is closed.

        Raises:
            NodeError: Unreachable, lost or bad answer (NodeExit: a non-zero exit).
        """
        loop = asyncio.get_running_loop()
        inbox: asyncio.Queue[dict[str, Any] | BaseException | None] = asyncio.Queue()

        def put(item: dict[str, Any] | BaseException | None) -> None:
            with contextlib.suppress(RuntimeError):  # the consumer's loop has ended
                loop.call_soon_threadsafe(inbox.put_nowait, item)

        finished = asyncio.Event()

        async def pump() -> None:
            try:
                await self._call(argv, put)
            except BaseException as exc:  # handed to the consumer, never lost
                put(exc)
                raise
            finally:  # the channel is closed by now (see _exec)
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(finished.set)
            put(None)

        future = self._submit(pump())
        try:
            while (item := await inbox.get()) is not None:
                if isinstance(item, BaseException):
                    if isinstance(item, asyncio.CancelledError):
                        return
                    raise item
                yield item
        finally:
            if not future.done():
                future.cancel()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(finished.wait(), 5)
