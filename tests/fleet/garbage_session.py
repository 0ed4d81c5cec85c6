"""A session command for a node that speaks SSH but answers garbage (tests/fleet/test_faults.py).

SSHAPP_GARBAGE_MODE: "text" (not JSON), "huge" (one line over the 1 MiB limit) or
"slow" (the hello after 60 s).
"""

from __future__ import annotations

import os
import sys
import time

mode = os.environ.get("SSHAPP_GARBAGE_MODE", "text")
if mode == "huge":
    sys.stdout.write('{"event": "hello", "pad": "' + "x" * (3 << 20))
elif mode == "slow":
    time.sleep(60)
else:
    sys.stdout.write("HTTP/1.1 200 OK\r\n\r\n<html>not sshapp</html>\n")
sys.stdout.flush()
