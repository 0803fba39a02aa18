"""The clock the timer worker reads: injected, so tests (and simulations) can move time.

Due times are compared with this clock, never with the database's ``now()``, so a test that
moves the clock moves what is due. Time is always timezone-aware.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """The machine's wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until told otherwise; it may jump either way."""

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start, "start")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = require_aware(moment, "moment")

    def advance(self, by: timedelta) -> None:
        with self._lock:
            self._now += by


def require_aware(moment: datetime, name: str) -> datetime:
    """``moment`` itself; a naive datetime would be read in the session's time zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment.isoformat()}")
    return moment
