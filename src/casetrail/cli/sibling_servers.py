"""``casetrail serve --workers N``: N processes serving one port.

Each process binds the port with ``SO_REUSEPORT``, so the kernel spreads connections over
them; each also runs the roles the settings enable, and the platform's locks keep every
role active once across them (the others stand by and take over if it goes). The first
process starts the others and stops them when it stops.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

# How long a sibling may take to stop cleanly before it is killed.
STOP_SECONDS = 30.0


@contextmanager
def sibling_servers(
    count: int, arguments: Sequence[str]
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start ``count`` more ``casetrail serve`` processes with ``arguments``; stop them on exit."""
    siblings = [
        subprocess.Popen([sys.executable, "-m", "casetrail", "serve", *arguments])
        for _ in range(count)
    ]
    try:
        yield siblings
    finally:
        for sibling in siblings:
            if sibling.poll() is None:
                sibling.send_signal(signal.SIGTERM)
        for sibling in siblings:
            try:
                sibling.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                sibling.kill()
                sibling.wait()
