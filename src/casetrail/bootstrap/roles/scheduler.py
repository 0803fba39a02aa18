"""The scheduler role: the durable timers' worker, firing the handlers the contexts
register by timer kind (see docs/timers.md). Any number may run side by side."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg
from prometheus_client import CollectorRegistry

from casetrail.bootstrap.settings import SchedulerSettings
from casetrail.platform.timers import (
    Clock,
    Handler,
    TimerMetrics,
    TimerStatus,
    TimerWorker,
    WorkerOptions,
    create_tables,
    timer_status,
)
from casetrail.platform.timers.clock import SystemClock


def prepare_timer_tables(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        create_tables(conn)


class SchedulerRole:
    name = "scheduler"

    def __init__(self, worker: TimerWorker, database_url: str, kinds: Mapping[str, Any]):
        self.worker = worker
        self.kinds = tuple(sorted(kinds))
        self._database_url = database_url

    def start(self) -> None:
        """Create the timer tables (if missing), then fire in a thread of its own."""
        prepare_timer_tables(self._database_url)
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()


def build_scheduler(
    database_url: str,
    handlers: Mapping[str, Handler],
    settings: SchedulerSettings,
    registry: CollectorRegistry,
    *,
    clock: Clock | None = None,
) -> SchedulerRole:
    worker = TimerWorker(
        database_url,
        handlers,
        clock=clock,
        options=WorkerOptions(
            batch_size=settings.batch_size, max_sleep_seconds=settings.max_sleep_seconds
        ),
        metrics=TimerMetrics(registry),
    )
    return SchedulerRole(worker, database_url, handlers)


def scheduler_status(database_url: str, clock: Clock | None = None) -> TimerStatus:
    """Armed, overdue and failing timers as of now (the tables are created if missing)."""
    now = (clock or SystemClock()).now()
    with psycopg.connect(database_url, autocommit=True) as conn:
        create_tables(conn)
        return timer_status(conn, now)
