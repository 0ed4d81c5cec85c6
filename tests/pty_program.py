"""Terminals for tests: output read through a pyte screen; a program on a PTY of our own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time

import pyte


class ScreenReader:
    """Output read into a pyte screen by a task; typing goes to `_write` (subclasses)."""

    def __init__(self, cols: int, rows: int) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.raw = bytearray()
        self._stream = pyte.ByteStream(self.screen)
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        raise NotImplementedError

    def _write(self, data: bytes) -> None:
        raise NotImplementedError

    def feed(self, data: bytes) -> None:
        """Take output: keep it raw and draw it."""
        self.raw += data
        self._stream.feed(data)

    def text(self) -> str:
        """The screen as text, one line per row."""
        return "\n".join(self.screen.display)

    async def wait_for(self, *texts: str, timeout: float = 30) -> str:
        """Wait until every one of `texts` is on the screen at once; the screen."""
        deadline = time.monotonic() + timeout
        while not all(t in self.text() for t in texts):
            assert time.monotonic() < deadline, f"{texts} not on screen:\n{self.text()}"
            assert not self._reader.done(), f"output ended before {texts}:\n{self.text()}"
            await asyncio.sleep(0.05)
        return self.text()

    async def keys(self, *chunks: bytes, pause: float = 0.25) -> None:
        """Type each chunk, pausing after it (the app takes keys as they come)."""
        for chunk in chunks:
            self._write(chunk)
            await asyncio.sleep(pause)

    async def stop_reading(self) -> None:
        """Cancel the reader task."""
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)


class PtyProgram(ScreenReader):
    """A subprocess whose stdin, stdout and stderr are one PTY; its output feeds a screen."""

    def __init__(self, proc: asyncio.subprocess.Process, master: int, cols: int, rows: int) -> None:
        self.proc = proc
        self.master = master
        super().__init__(cols, rows)

    @classmethod
    async def start(
        cls, argv: list[str], env: dict[str, str] | None = None, cols: int = 100, rows: int = 30
    ) -> PtyProgram:
        """Start `argv` as a session leader on a new PTY of `cols` × `rows`."""
        master, slave = os.openpty()
        try:
            subprocess.run(["stty", "cols", str(cols), "rows", str(rows)], stdin=slave, check=True)
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        return cls(proc, master, cols, rows)

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                data = os.read(self.master, 65536)
            except BlockingIOError:
                ready = loop.create_future()
                loop.add_reader(self.master, ready.set_result, None)
                try:
                    await ready
                finally:
                    loop.remove_reader(self.master)
                continue
            except OSError:  # EIO: every slave fd is closed
                return
            if not data:
                return
            self.feed(data)

    def _write(self, data: bytes) -> None:
        os.write(self.master, data)

    async def wait(self, timeout: float = 20) -> int:
        """Wait for the program to exit; its status."""
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def close(self) -> None:
        """Kill the program if it still runs; stop reading; close the PTY."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()
        await self.stop_reading()
        os.close(self.master)
