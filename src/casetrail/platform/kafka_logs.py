"""librdkafka's own log lines, through Python logging and rate-limited.

An unreachable broker makes librdkafka report every failed connection attempt of every
client, several a second. Each Kafka client casetrail makes names ``librdkafka_logger()``
as its ``logger`` (confluent-kafka then hands librdkafka's lines to it, from the client's
poll), and that logger lets through at most a few lines of each kind (librdkafka's
facility: FAIL, ERROR, …) a minute; the first line of the next minute says how many were
held back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

LOGGER_NAME = "casetrail.kafka.librdkafka"
WINDOW_SECONDS = 60.0
DEFAULT_LINES_PER_MINUTE = 6


@dataclass
class _Window:
    started: float
    passed: int = 0
    held_back: int = 0


class LinesPerKind(logging.Filter):
    """At most ``per_window`` records of each kind per window of ``window_seconds``."""

    def __init__(
        self,
        per_window: int,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.per_window = per_window
        self.window_seconds = window_seconds
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self.held_back = 0  # in all, since the start

    def filter(self, record: logging.LogRecord) -> bool:
        kind = _kind(record)
        now = self._clock()
        with self._lock:
            window = self._windows.get(kind)
            if window is None or now - window.started >= self.window_seconds:
                if window is not None and window.held_back:
                    record.held_back = window.held_back
                window = self._windows[kind] = _Window(started=now)
            if window.passed < self.per_window:
                window.passed += 1
                return True
            window.held_back += 1
            self.held_back += 1
            return False


def _kind(record: logging.LogRecord) -> str:
    # confluent-kafka logs "%s [%s] %s" with (facility, client name, message).
    if isinstance(record.args, tuple) and record.args:
        return str(record.args[0])
    return str(record.msg)[:40]


def librdkafka_logger() -> logging.Logger:
    """The logger every Kafka client's ``logger`` setting names."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(existing, LinesPerKind) for existing in logger.filters):
        logger.addFilter(LinesPerKind(DEFAULT_LINES_PER_MINUTE))
    return logger


def limit_librdkafka_lines(per_minute: int) -> None:
    """How many lines of each kind librdkafka may log a minute, in this process."""
    logger = logging.getLogger(LOGGER_NAME)
    for existing in list(logger.filters):
        if isinstance(existing, LinesPerKind):
            logger.removeFilter(existing)
    logger.addFilter(LinesPerKind(per_minute))
