"""Human-readable case numbers, handed out from blocks so most cases need no round trip."""

from __future__ import annotations

import threading
from collections.abc import Callable


class CaseNumberBlocks:
    """Numbers stay unique across processes; a block left unused when a process stops
    leaves a gap, which is fine: case numbers are unique, not contiguous."""

    def __init__(self, allocate: Callable[[int], list[int]], block_size: int = 64) -> None:
        self._allocate = allocate
        self._block_size = block_size
        self._available: list[int] = []
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            if not self._available:
                self._available = list(reversed(self._allocate(self._block_size)))
            return self._available.pop()
