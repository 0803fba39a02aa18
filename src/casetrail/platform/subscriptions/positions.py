"""Positions reached by the projection runners of this process, for waiting queries.

A query that must see a given position polls PostgreSQL (another process may run the
projections, and only the database knows which version the views point at); when the
runner is in this process it also wakes the query the moment it commits, so
read-your-writes costs no polling delay.
"""

from __future__ import annotations

import threading
import time


class PositionBoard:
    def __init__(self) -> None:
        self._positions: dict[str, int] = {}
        self._changed = threading.Condition()

    def advance(self, projection: str, position: int) -> None:
        with self._changed:
            if position > self._positions.get(projection, 0):
                self._positions[projection] = position
                self._changed.notify_all()

    def wait(self, projection: str, position: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._positions.get(projection, 0) < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True
