"""Waking the worker: a bounded sleep that a nearer timer cuts short.

``Alarm`` is the worker's sleep. ``TimerWakeups`` LISTENs on the channel that
``schedule`` NOTIFYs (with the new timer's run time) and rings the alarm when that time is
before the worker's planned wake-up, so a timer due in a second does not wait out a sleep
planned for a later one. A lost notification costs at most one bounded sleep.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from psycopg.sql import SQL, Identifier

logger = logging.getLogger(__name__)


class Alarm:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._rung = False
        self._planned: float | None = None

    def ring(self, run_at: float | None = None) -> None:
        """Wake the sleeper if ``run_at`` (epoch seconds) is before its planned wake-up,
        or unconditionally without ``run_at``. A ring while it is awake is kept for its
        next sleep, which then returns at once: nothing armed meanwhile is missed."""
        with self._condition:
            if run_at is None or self._planned is None or run_at < self._planned:
                self._rung = True
                self._condition.notify_all()

    def sleep(self, seconds: float, until: float) -> None:
        """Sleep ``seconds`` at most; ``until`` is the planned wake-up in epoch seconds
        of the worker's clock, which rings are compared with."""
        with self._condition:
            self._planned = until
            try:
                if not self._rung:
                    self._condition.wait(max(0.0, seconds))
            finally:
                self._rung = False
                self._planned = None

    @property
    def planned(self) -> float | None:
        """The planned wake-up while sleeping, else None."""
        with self._condition:
            return self._planned


class TimerWakeups:
    """A thread that LISTENs for newly armed timers and rings ``alarm``."""

    def __init__(self, conninfo: str, channel: str, alarm: Alarm) -> None:
        self._conninfo = conninfo
        self._channel = channel
        self._alarm = alarm
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._listen, name="timer-wakeups", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(SQL("LISTEN {}").format(Identifier(self._channel)))
                    self.listening.set()
                    # Timers armed while nobody listened are found by the worker's own
                    # read; ring once in case it is asleep.
                    self._alarm.ring()
                    while not self._stopping.is_set():
                        for notice in conn.notifies(timeout=0.25, stop_after=1):
                            self._alarm.ring(_run_at(notice.payload))
            except psycopg.Error as error:
                logger.warning("timer wake-ups: %s; listening again in 1 s", error)
            self.listening.clear()
            self._stopping.wait(1.0)


def _run_at(payload: str) -> float | None:
    try:
        return float(payload)
    except ValueError:
        return None  # not ours to judge: wake up and look
