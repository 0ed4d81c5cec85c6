"""A session that takes the host queue's ticket and then hangs, as a frozen run would.

It records a run with a tiny budget, prints `holding`, and sleeps in C code with SIGHUP
and SIGTERM ignored: only the server's watchdog (SIGKILL to its group) ends it early.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from sshapp.bench.host.queue import QUEUE_DIR, HostQueue

BUDGET_SECONDS = 0.3
"""What the hog claims its run may take."""

if __name__ == "__main__":
    for sig in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    queue = HostQueue(Path(os.environ["SSHAPP_STATE_DIR"]) / QUEUE_DIR)
    ticket = queue.enqueue(os.environ.get("SSHAPP_USER", "hog"))
    ticket.mark_running(BUDGET_SECONDS)
    sys.stdout.write("holding\n")
    sys.stdout.flush()
    time.sleep(120)
