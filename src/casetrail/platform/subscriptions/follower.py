"""Follows the notification log for one subscriber (see ``subscriber``).

Only one follower per subscriber name is active across processes: it holds a PostgreSQL
advisory lock (on the subscriber's name) on a dedicated connection; the others stand by and
take over when it goes. Its position is one row under the subscriber's name
(``subscriber_positions``), committed with the effect:

- transactional: effect and position in one transaction, the position row locked first;
- external: the effect, acknowledged, then the position (a crash in between repeats the
  batch, never loses it).

The loop itself (batches, wake-ups, parked and poison events, lag) is ``log_follower``'s,
shared with the projections. Run it under ``supervisor.supervise`` for restarts with backoff.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from eventsourcing.application import Application
from psycopg.rows import DictRow

from casetrail.platform.subscriptions.follower_metrics import FollowerGauges, SubscriptionMetrics
from casetrail.platform.subscriptions.log_follower import (
    RETRYABLE_ERRORS,
    Connect,
    FollowerOptions,
    LogFollower,
)
from casetrail.platform.subscriptions.parking import (
    ParkedEvent,
    create_parking_table,
    parked_between,
)
from casetrail.platform.subscriptions.subscriber import (
    ExternalSubscriber,
    TransactionalSubscriber,
)
from casetrail.platform.subscriptions.subscriber_positions import SubscriberPositions
from casetrail.platform.subscriptions.view import Numbered

__all__ = ["RETRYABLE_ERRORS", "Follower", "FollowerOptions", "SubscriberTrack"]

logger = logging.getLogger(__name__)

Subscriber = TransactionalSubscriber | ExternalSubscriber
DEFAULT_OPTIONS = FollowerOptions()


class Follower(LogFollower):
    def __init__(
        self,
        subscriber: Subscriber,
        *,
        app: Application[Any],
        connect: Connect,
        wake: threading.Event,
        metrics: SubscriptionMetrics,
        gauges: FollowerGauges | None = None,
        positions: SubscriberPositions | None = None,
        options: FollowerOptions = DEFAULT_OPTIONS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(
            SubscriberTrack(subscriber, connect, positions or SubscriberPositions()),
            app=app,
            connect=connect,
            wake=wake,
            report=SubscriptionReport(
                subscriber.name, metrics, gauges or metrics.gauges(subscriber.name)
            ),
            options=options,
            clock=clock,
        )
        self.subscriber = subscriber


class SubscriberTrack:
    """A subscriber's lock (its name) and position row."""

    def __init__(
        self, subscriber: Subscriber, connect: Connect, positions: SubscriberPositions
    ) -> None:
        self.subscriber = subscriber
        self._connect = connect
        self._positions = positions

    @property
    def name(self) -> str:
        return self.subscriber.name

    @property
    def topics(self) -> Sequence[str]:
        return self.subscriber.topics

    def claim(self, lock_conn: psycopg.Connection[DictRow]) -> SubscriberClaim | None:
        row = lock_conn.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s)) AS got", (self.name,)
        ).fetchone()
        if not (row and row["got"]):
            return None
        logger.info("subscriber %s: active", self.name)
        try:
            work_conn = self._connect()
            self._positions.ensure(work_conn, self.name)
            create_parking_table(work_conn)
        except BaseException:
            _unlock(lock_conn, self.name)
            raise
        return SubscriberClaim(self.subscriber, self._positions, lock_conn, work_conn)


class SubscriberClaim:
    def __init__(
        self,
        subscriber: Subscriber,
        positions: SubscriberPositions,
        lock_conn: psycopg.Connection[DictRow],
        work_conn: psycopg.Connection[DictRow],
    ) -> None:
        self._subscriber = subscriber
        self._name = subscriber.name
        self._positions = positions
        self._lock_conn = lock_conn
        self._work_conn = work_conn

    def position(self) -> int:
        return self._positions.read(self._work_conn, self._name)

    def still_held(self) -> bool:
        self._lock_conn.execute("SELECT 1")  # a dead lock connection means a lost lock
        return True

    def parked_between(self, after: int, up_to: int) -> set[int]:
        with self._work_conn.cursor() as curs:
            return parked_between(curs, self._name, after, up_to)

    def commit(self, events: list[Numbered], stop: threading.Event) -> int:
        last = events[-1][0]
        fresh = [(number, event) for number, event in events if not isinstance(event, ParkedEvent)]
        conn = self._work_conn
        subscriber = self._subscriber
        if isinstance(subscriber, ExternalSubscriber):
            if fresh:
                subscriber.deliver(fresh, stop)
            with conn.transaction(), conn.cursor() as curs:
                self._positions.advance(curs, self._name, last)
            return len(fresh)
        with conn.transaction(), conn.cursor() as curs:
            committed = self._positions.lock(curs, self._name)
            fresh = [(number, event) for number, event in fresh if number > committed]
            if fresh:
                subscriber.apply(fresh, curs)
            self._positions.advance(curs, self._name, last)
        return len(fresh)

    def release(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self._work_conn.close()
        _unlock(self._lock_conn, self._name)


class SubscriptionReport:
    """A subscriber's metrics (``casetrail_subscription_*``)."""

    tracks_lag = True

    def __init__(self, name: str, metrics: SubscriptionMetrics, gauges: FollowerGauges) -> None:
        self._name = name
        self._metrics = metrics
        self._gauges = gauges

    def active(self, is_active: bool) -> None:
        self._gauges.active.set(1 if is_active else 0)

    def committed(self, events: int, seconds: float) -> None:  # noqa: ARG002 (no histogram)
        self._metrics.events.labels(self._name).inc(events)
        self._metrics.batches.labels(self._name).inc()

    def unblocked(self) -> None:
        self._metrics.blocked_at.labels(self._name).set(0)

    def lag(self, events: int, seconds: float | None) -> None:
        self._gauges.lag_events.set(events)
        if seconds is not None:
            self._gauges.lag_seconds.set(seconds)


def _unlock(conn: psycopg.Connection[DictRow], name: str) -> None:
    # A broken connection has released the lock already.
    with contextlib.suppress(psycopg.Error):
        conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))
