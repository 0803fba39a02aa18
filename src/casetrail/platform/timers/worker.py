"""The clock worker: fires timers at their due time, also the ones that fell due while no
worker ran.

Why ``FOR UPDATE SKIP LOCKED`` rather than one active worker behind an advisory lock:
timers are independent of each other (no order to keep, unlike a log follower), so any
number of scheduler processes can fire side by side, each timer claimed by exactly one of
them, and a worker that dies hands nothing over — its rows unlock and the others take
them in their next round. Exactly once in effect comes from the fire transaction (see
``firing``), not from there being one worker.

The worker sleeps until the next run time, at most ``max_sleep_seconds``; a newly armed
nearer timer wakes it early (``wakeups``). Due times are compared with the injected clock:
if it jumps back nothing fires twice (fired timers are gone from the table, and the ledger
refuses a second fire), if it jumps forward everything now due fires; the bounded sleep
limits how late a jump is noticed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from casetrail.platform.logs import in_log_context
from casetrail.platform.retry import Backoff
from casetrail.platform.timers.clock import Clock, SystemClock
from casetrail.platform.timers.fire import Handler
from casetrail.platform.timers.firing import Round, fire_due
from casetrail.platform.timers.metrics import TimerMetrics
from casetrail.platform.timers.schema import TIMERS, WAKEUP_CHANNEL
from casetrail.platform.timers.status import TimerStatus, timer_status
from casetrail.platform.timers.wakeups import Alarm, TimerWakeups

logger = logging.getLogger(__name__)

_NEXT_RUN = f"SELECT min(run_at) FROM {TIMERS} WHERE kind = ANY(%s)"


@dataclass(frozen=True)
class WorkerOptions:
    batch_size: int = 100
    max_sleep_seconds: float = 10.0
    status_every_seconds: float = 15.0
    # Between attempts of a failing timer: a timer is cheap to retry, but a handler that
    # fails for good should not spin.
    retry_backoff: Backoff = field(default_factory=lambda: Backoff(1.0, 300.0))
    # Between attempts to reach the database again.
    reconnect_backoff: Backoff = field(default_factory=lambda: Backoff(0.5, 30.0))


class TimerWorker:
    """Fires the timers of the kinds in ``handlers``. Timers of other kinds are left to
    the workers that handle them (scheduler roles may split the kinds between them); with
    none running they show as overdue, by kind, in the status."""

    def __init__(
        self,
        conninfo: str,
        handlers: Mapping[str, Handler],
        *,
        clock: Clock | None = None,
        options: WorkerOptions | None = None,
        metrics: TimerMetrics | None = None,
    ) -> None:
        self._conninfo = conninfo
        self._handlers = dict(handlers)
        self._clock = clock or SystemClock()
        self._options = options or WorkerOptions()
        self._metrics = metrics
        self._conn: psycopg.Connection[Any] | None = None
        self._alarm = Alarm()
        self._wakeups = TimerWakeups(conninfo, WAKEUP_CHANNEL, self._alarm)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._status_at = float("-inf")

    # -- one step at a time (tests, and ``run`` below) ---------------------------------

    def run_once(self) -> int:
        """Fire every timer due by the clock now; returns how many fired. Not while the same
        worker runs (``start``/``run``): they would share its connection."""
        fired = 0
        while not self._stopping.is_set():
            result = self._round(self._clock.now())
            fired += len(result.fired)
            # Failed ones are put off past ``now``; a short round means nothing is left.
            if result.claimed < self._options.batch_size:
                break
        return fired

    def next_run_at(self) -> datetime | None:
        """When the earliest armed timer of this worker's kinds may fire (its due time, or
        its retry time)."""
        with self._connection().cursor(row_factory=tuple_row) as cursor:
            row = cursor.execute(_NEXT_RUN, (list(self._handlers),)).fetchone()
        return None if row is None else row[0]

    def status(self) -> TimerStatus:
        return timer_status(self._connection(), self._clock.now())

    # -- running ------------------------------------------------------------------------

    def start(self) -> None:
        """Run in a daemon thread until ``stop``."""
        self._thread = threading.Thread(
            target=in_log_context(self.run, role="scheduler"), name="timer-worker", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._alarm.ring()
        if self._thread is not None:
            self._thread.join(timeout)
        self._wakeups.stop()
        self.close()

    def run(self) -> None:
        """Fire due timers and sleep until the next, until ``stop``; the database going
        away is retried with backoff, never fatal."""
        self._wakeups.start()
        failures = 0
        while not self._stopping.is_set():
            try:
                self.run_once()
                next_run = self.next_run_at()
                self._refresh_status()
            except Exception as error:
                failures += 1
                delay = self._options.reconnect_backoff.delay(failures)
                logger.warning("timer worker: %s; trying again in %.1f s", error, delay)
                self._drop_connection()
                self._stopping.wait(delay)
                continue
            failures = 0
            self._sleep_until(next_run)

    def wake(self) -> None:
        """Look for due timers now (after the clock was moved, say)."""
        self._alarm.ring()

    @property
    def sleeping_until(self) -> float | None:
        """The planned wake-up (epoch seconds by the clock) while asleep, else None."""
        return self._alarm.planned

    @property
    def listening(self) -> threading.Event:
        """Set while wake-ups are being listened for."""
        return self._wakeups.listening

    def close(self) -> None:
        self._drop_connection()

    # -- inside -------------------------------------------------------------------------

    def _round(self, now: datetime) -> Round:
        result = fire_due(
            self._connection(),
            self._handlers,
            now,
            backoff=self._options.retry_backoff,
            limit=self._options.batch_size,
        )
        if self._metrics is not None:
            self._metrics.observe_round(result)
        return result

    def _sleep_until(self, next_run: datetime | None) -> None:
        now = self._clock.now()
        seconds = self._options.max_sleep_seconds
        if next_run is not None:
            seconds = min(seconds, max(0.0, (next_run - now).total_seconds()))
        self._alarm.sleep(seconds, until=now.timestamp() + seconds)

    def _refresh_status(self) -> None:
        if self._metrics is None:
            return
        if time.monotonic() - self._status_at < self._options.status_every_seconds:
            return
        self._metrics.observe_status(self.status())
        self._status_at = time.monotonic()

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._conninfo, autocommit=True)
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.close()
            except psycopg.Error:
                logger.debug("timer worker: closing a broken connection", exc_info=True)
