"""A fixed set of locks shared out by key: commands on one case take turns in a process."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Hashable, Iterator


class StripedLocks:
    def __init__(self, stripes: int = 1024) -> None:
        self._locks = [threading.Lock() for _ in range(stripes)]

    @contextlib.contextmanager
    def holding(self, key: Hashable) -> Iterator[None]:
        with self._locks[hash(key) % len(self._locks)]:
            yield
