"""Where each projection stands: position, lag in events and in seconds, whether a runner
holds it. Read by ``casetrail projections status``, /metrics and /readyz."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from eventsourcing.application import Application
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from casetrail.platform.metrics import (
    PROJECTION_LAG_EVENTS,
    PROJECTION_LAG_SECONDS,
    PROJECTION_POSITION,
    PROJECTION_VERSION,
    gauge_family,
)
from casetrail.platform.subscriptions.catalog import projection_names, tracking_table
from casetrail.platform.subscriptions.versions import (
    LOCK_NAMESPACE,
    REGISTRY,
    VersionRecord,
    lock_key,
    read_versions,
)

logger = logging.getLogger(__name__)

# Counting lag beyond this many events tells nothing more and costs a long scan.
LAG_COUNT_CAP = 10_000_000


@dataclass(frozen=True)
class ProjectionStatus:
    projection: str
    version: int  # 0: not created yet
    position: int
    head: int
    lag_events: int
    lag_seconds: float  # NaN when the first pending event cannot be decoded
    runner_active: bool
    building_version: int | None
    building_position: int | None


class StatusReader:
    def __init__(
        self,
        app: Application[Any],
        connect: Callable[[], psycopg.Connection[DictRow]],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._app = app
        self._connect = connect
        self._clock = clock
        self._events_table = Identifier(f"{app.name}_events".lower())

    def read(self) -> list[ProjectionStatus]:
        with self._connect() as conn:
            versions = _versions(conn)
            head = self._app.recorder.max_notification_id() or 0
            return [
                self._status(conn, name, versions.get(name), head) for name in projection_names()
            ]

    def _status(
        self,
        conn: psycopg.Connection[DictRow],
        name: str,
        record: VersionRecord | None,
        head: int,
    ) -> ProjectionStatus:
        if record is None:
            return ProjectionStatus(
                name, 0, 0, head, self._pending(conn, 0), math.nan, False, None, None
            )
        position = self._position(conn, name, record.active)
        lag_events = self._pending(conn, position)
        building_position = (
            self._position(conn, name, record.building) if record.building is not None else None
        )
        return ProjectionStatus(
            projection=name,
            version=record.active,
            position=position,
            head=head,
            lag_events=lag_events,
            lag_seconds=self._lag_seconds(position) if lag_events else 0.0,
            runner_active=_lock_held(conn, name, record.active),
            building_version=record.building,
            building_position=building_position,
        )

    def _position(self, conn: psycopg.Connection[DictRow], name: str, version: int) -> int:
        try:
            row = conn.execute(
                SQL("SELECT notification_id FROM {} WHERE application_name = %s").format(
                    Identifier(tracking_table(name, version))
                ),
                (self._app.name,),
            ).fetchone()
        except psycopg.errors.UndefinedTable:
            return 0
        return int(row["notification_id"] or 0) if row else 0

    def _pending(self, conn: psycopg.Connection[DictRow], position: int) -> int:
        row = conn.execute(
            SQL(
                "SELECT count(*) AS pending FROM"
                " (SELECT 1 FROM {} WHERE notification_id > %s LIMIT %s) AS after_position"
            ).format(self._events_table),
            (position, LAG_COUNT_CAP),
        ).fetchone()
        return int(row["pending"]) if row else 0

    def _lag_seconds(self, position: int) -> float:
        """How long the oldest event the projection has not applied has been waiting."""
        pending = self._app.recorder.select_notifications(
            start=position, limit=1, inclusive_of_start=False
        )
        if not pending:
            return 0.0
        try:
            event: Any = self._app.mapper.to_domain_event(pending[0])
            recorded_at: datetime = event.timestamp
        except Exception:  # a poison event: the supervisor reports it
            return math.nan
        return max(0.0, (self._clock() - recorded_at).total_seconds())


def _versions(conn: psycopg.Connection[DictRow]) -> dict[str, VersionRecord]:
    exists = conn.execute("SELECT to_regclass(%s) AS found", (REGISTRY,)).fetchone()
    if not exists or exists["found"] is None:
        return {}
    return read_versions(conn)


def _lock_held(conn: psycopg.Connection[DictRow], name: str, version: int) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND classid = %s::oid AND objid = %s::oid AND objsubid = 2) AS held",
        (LOCK_NAMESPACE, lock_key(name, version)),
    ).fetchone()
    return bool(row and row["held"])


class CachedStatus:
    """The latest statuses, read at most once per ``max_age`` seconds (scrapes and
    readiness probes arrive often; the answer changes slowly)."""

    def __init__(self, reader: StatusReader, max_age: float = 1.0) -> None:
        self._reader = reader
        self._max_age = max_age
        self._lock = threading.Lock()
        self._read_at = -math.inf
        self._statuses: list[ProjectionStatus] = []

    def read(self) -> list[ProjectionStatus]:
        with self._lock:
            if time.monotonic() - self._read_at > self._max_age:
                self._statuses = self._reader.read()
                self._read_at = time.monotonic()
            return self._statuses


class ProjectionLagCollector(Collector):
    """Exports each projection's position and lag on /metrics, at scrape time."""

    def __init__(self, status: CachedStatus) -> None:
        self._status = status

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            statuses = self._status.read()
        except Exception as error:  # a scrape must not fail because the database did
            logger.warning("projection status unavailable: %s", error)
            return
        gauges = {
            "position": gauge_family(PROJECTION_POSITION),
            "lag_events": gauge_family(PROJECTION_LAG_EVENTS),
            "lag_seconds": gauge_family(PROJECTION_LAG_SECONDS),
            "version": gauge_family(PROJECTION_VERSION),
        }
        for status in statuses:
            gauges["position"].add_metric([status.projection], status.position)
            gauges["lag_events"].add_metric([status.projection], status.lag_events)
            gauges["lag_seconds"].add_metric([status.projection], status.lag_seconds)
            gauges["version"].add_metric([status.projection], status.version)
        yield from gauges.values()
