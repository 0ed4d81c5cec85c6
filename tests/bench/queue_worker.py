"""A benchmark process for queue tests: prints each event with a system-wide timestamp.

usage: queue_worker.py KERNEL SIZE REPS
Each line is JSON {"event": kind, "t": CLOCK_MONOTONIC seconds, "position": n?}.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from sshapp.bench.engine import Engine
from sshapp.bench.protocol.events import Failed, Queued
from sshapp.bench.protocol.spec import BenchSpec, Shape
from sshapp.config import Settings


async def main(kernel: str, size: int, reps: int) -> None:
    engine = Engine(Settings.from_env(), "worker")
    (run,) = engine.expand(BenchSpec((kernel,), (Shape(size, size, size),), repeats=reps))
    async for event in engine.run(run):
        line = {"event": type(event).__name__.lower(), "t": time.monotonic()}
        if isinstance(event, Queued):
            line["position"] = event.position
        if isinstance(event, Failed):
            line["error"] = event.error
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
