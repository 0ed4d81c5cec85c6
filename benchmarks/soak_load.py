"""The soak's load: bounded, loopback-only actions against one `sshapp serve` (benchmarks/soak.py).

Each action returns what it made (a finished run, a killed one, a TUI run, hostile bytes)
so the report can count history rows against it. Clients come from 127.0.0.2-9 in turn,
a few connections a minute each, inside the server's per-address limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
from dataclasses import dataclass, field

import asyncssh

SOURCES = [f"127.0.0.{n}" for n in range(2, 10)]
"""Client source addresses (loopback only)."""
SMALL_RUN = "bench ref.naive.f32 --size 48 --reps 3 --json"
LONG_RUN = "bench ref.naive.f32 --size 256 --reps 40 --json"
SSH_OPTS = ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o",
            "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]  # fmt: skip
TUI_MARKER = "matmul ladder"


@dataclass
class Tally:
    """What the load made."""

    runs: int = 0
    """Headless runs that finished (each must be one history row)."""
    tui_runs: int = 0
    """TUI runs seen finished on screen (each must be one history row)."""
    killed: int = 0
    """Clients killed mid-run (no row: the run is cancelled)."""
    hostile: int = 0
    """Hostile-byte connections."""
    errors: list[str] = field(default_factory=list)
    """Actions that did not go as expected (reported, not fatal)."""


class Load:
    """Picks and runs actions; at most `concurrency` at once."""

    def __init__(self, port: int, seed: int = 1, concurrency: int = 3) -> None:
        self.port = port
        self.tally = Tally()
        self._rng = random.Random(seed)
        self._n = 0
        self._limit = asyncio.Semaphore(concurrency)
        self._tmux = ["tmux", "-L", f"sshapp-soak-{os.getpid()}"]

    def _source(self) -> str:
        self._n += 1
        return SOURCES[self._n % len(SOURCES)]

    async def start(self) -> None:
        """Start the tmux server with a sentinel session (kept until `stop`)."""
        await _exec([*self._tmux, "new-session", "-d", "-s", "sentinel", "sleep 100000"])

    async def stop(self) -> None:
        """End the tmux server."""
        await _exec([*self._tmux, "kill-server"])

    async def one(self) -> None:
        """Run one action chosen at random (weights: mostly headless)."""
        action = self._rng.choices(
            [self.headless, self.tui, self.killed, self.hostile], weights=[5, 2, 1, 1]
        )[0]
        async with self._limit:
            try:
                await asyncio.wait_for(action(), 90)
            except (OSError, asyncssh.Error, TimeoutError, AssertionError) as exc:
                self.tally.errors.append(f"{action.__name__}: {exc!r}"[:200])

    async def headless(self) -> None:
        """An asyncssh client runs a small benchmark and checks its JSON."""
        async with asyncssh.connect(
            "127.0.0.1", self.port, local_addr=(self._source(), 0), username="soak",
            known_hosts=None, client_keys=None, password="", agent_path=None,
        ) as conn:  # fmt: skip
            done = await conn.run(SMALL_RUN, encoding=None)
        assert done.exit_status == 0, done.stderr
        lines = [json.loads(x) for x in bytes(done.stdout or b"").splitlines() if x.strip()]
        assert lines[-1]["event"] == "finished", lines[-1]
        self.tally.runs += 1

    async def killed(self) -> None:
        """OpenSSH runs a long benchmark and is SIGKILLed after its first sample."""
        argv = ["ssh", *SSH_OPTS, "-b", self._source(), "-p", str(self.port),
                "soak@127.0.0.1", LONG_RUN]  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        assert proc.stdout is not None
        try:
            while line := await asyncio.wait_for(proc.stdout.readline(), 60):
                if b'"sample"' in line or b'"progress' in line or b'"rep"' in line:
                    break
        finally:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGKILL)
            await proc.wait()
        self.tally.killed += 1

    async def tui(self) -> None:
        """OpenSSH in tmux opens the TUI, runs a small benchmark in it, and quits."""
        name = f"tui{self._n}"
        argv = ["ssh", "-tt", *SSH_OPTS, "-b", self._source(), "-p", str(self.port),
                "soak@127.0.0.1"]  # fmt: skip
        await _exec([*self._tmux, "new-session", "-d", "-x", "100", "-y", "30", "-s", name,
                     " ".join(argv)])  # fmt: skip
        try:
            await self._wait_screen(name, TUI_MARKER)
            await self._keys(name, "s")
            await self._keys(name, "-l", "ref.naive.f32")
            await self._keys(name, "Tab", *["BSpace"] * 5)
            await self._keys(name, "-l", "48")
            await self._wait_screen(name, "ref.naive.f32 at 48")
            await self._keys(name, "C-r")
            # The run's verdict line: "best" alone is on screen from the start (the
            # results table's "best GF/s" column), and q then would cancel the run.
            await self._wait_screen(name, "ref.naive.f32 at 48: best")
            self.tally.tui_runs += 1
            await self._keys(name, "q")
            for _ in range(100):
                if not await self._alive(name):
                    return
                await asyncio.sleep(0.1)
        finally:
            await _exec([*self._tmux, "kill-session", "-t", name])

    async def hostile(self) -> None:
        """Raw bytes: a version line then junk, or junk alone, then the socket is closed."""
        junk = self._rng.randbytes(self._rng.randint(1, 4096))
        head = self._rng.choice([b"SSH-2.0-soak\r\n", b"", b"\xff\xfe\r\n", b"SSH-2.0-" * 100])
        loop = asyncio.get_running_loop()

        def send() -> None:
            with socket.create_connection(("127.0.0.1", self.port), 5, (self._source(), 0)) as s:
                s.sendall(head + junk)
                s.settimeout(2)
                with contextlib.suppress(OSError):
                    s.recv(4096)

        await loop.run_in_executor(None, send)
        self.tally.hostile += 1

    async def _keys(self, name: str, *keys: str) -> None:
        await _exec([*self._tmux, "send-keys", "-t", name, *keys])
        await asyncio.sleep(0.3)

    async def _alive(self, name: str) -> bool:
        return await _exec([*self._tmux, "has-session", "-t", name]) == 0

    async def _wait_screen(self, name: str, text: str, timeout: float = 45) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            proc = await asyncio.create_subprocess_exec(
                *self._tmux, "capture-pane", "-p", "-t", name, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            out, _ = await proc.communicate()
            if text in out.decode(errors="replace"):
                return
            await asyncio.sleep(0.3)
        msg = f"{text!r} not on screen in {timeout:g} s"
        raise AssertionError(msg)


async def _exec(argv: list[str]) -> int:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return await proc.wait()
