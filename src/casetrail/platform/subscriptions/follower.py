"""Follows the notification log for one subscriber (see ``subscriber``).

Only one follower per subscriber name is active across processes: it holds a PostgreSQL
advisory lock on a dedicated connection; the others stand by and take over when it goes.
It reads up to ``batch_size`` notifications of the subscriber's topics after the committed
position, decodes them (events an operator parked for this subscriber pass as
``ParkedEvent`` and are not handed over), makes the effect and commits the position:

- transactional: effect and position in one transaction, the position row locked first;
- external: the effect, acknowledged, then the position (a crash in between repeats the
  batch, never loses it).

Once caught up it sleeps until the event store's NOTIFY (or a short poll) wakes it. A batch
that fails for a reason other than an unavailable database or outside system is tried event
by event, so that the report names the poison event; nothing is skipped. Run it under
``supervisor.supervise`` for restarts with backoff.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from psycopg.rows import DictRow

from casetrail.platform.subscriptions.batches import TRANSIENT_ERRORS, decode
from casetrail.platform.subscriptions.errors import PoisonEvent
from casetrail.platform.subscriptions.follower_metrics import FollowerGauges, SubscriptionMetrics
from casetrail.platform.subscriptions.parking import (
    ParkedEvent,
    create_parking_table,
    parked_between,
)
from casetrail.platform.subscriptions.subscriber import (
    DeliveryStopped,
    EffectUnavailable,
    ExternalSubscriber,
    TransactionalSubscriber,
)
from casetrail.platform.subscriptions.subscriber_positions import SubscriberPositions
from casetrail.platform.subscriptions.view import Numbered

logger = logging.getLogger(__name__)

Connect = Callable[[], psycopg.Connection[DictRow]]

# What makes a batch worth delivering again as it is, rather than a poison event to name.
RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (*TRANSIENT_ERRORS, EffectUnavailable)
# What ends a batch as it is, without trying its events one by one.
_NOT_POISON: tuple[type[BaseException], ...] = (*RETRYABLE_ERRORS, DeliveryStopped)


@dataclass(frozen=True)
class FollowerOptions:
    batch_size: int = 1_000
    # How long an idle follower sleeps when no NOTIFY arrives (a missed one costs this much).
    idle_poll_seconds: float = 1.0
    # How often the active follower proves its lock connection is alive.
    check_seconds: float = 0.5
    # How often a standby follower tries to take over.
    standby_poll_seconds: float = 1.0


class Follower:
    def __init__(
        self,
        subscriber: TransactionalSubscriber | ExternalSubscriber,
        *,
        app: Application[Any],
        connect: Connect,
        wake: threading.Event,
        metrics: SubscriptionMetrics,
        gauges: FollowerGauges | None = None,
        positions: SubscriberPositions | None = None,
        options: FollowerOptions = FollowerOptions(),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.subscriber = subscriber
        self._app = app
        self._connect = connect
        self._wake = wake
        self._metrics = metrics
        self._gauges = gauges or metrics.gauges(subscriber.name)
        self._positions = positions or SubscriberPositions()
        self._options = options
        self._clock = clock
        self.batches_applied = 0
        self.is_active = False
        self.position = 0

    @property
    def name(self) -> str:
        return self.subscriber.name

    def wake(self) -> None:
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        """Follow the log until ``stop`` is set; raises when it cannot go on."""
        with self._connect() as lock_conn, self._connect() as work_conn:
            self._positions.ensure(work_conn, self.name)
            create_parking_table(work_conn)
            while not stop.is_set():
                if not _try_lock(lock_conn, self.name):
                    self._gauges.active.set(0)
                    stop.wait(self._options.standby_poll_seconds)
                    continue
                self.is_active = True
                self._gauges.active.set(1)
                try:
                    logger.info("subscriber %s: active", self.name)
                    self._follow(lock_conn, work_conn, stop)
                    return
                except DeliveryStopped:
                    return
                finally:
                    self.is_active = False
                    self._gauges.active.set(0)
                    if not lock_conn.closed:
                        _unlock(lock_conn, self.name)

    def _follow(
        self,
        lock_conn: psycopg.Connection[DictRow],
        work_conn: psycopg.Connection[DictRow],
        stop: threading.Event,
    ) -> None:
        position = self._positions.read(work_conn, self.name)
        self.position = position
        next_check = time.monotonic() + self._options.check_seconds
        while not stop.is_set():
            if time.monotonic() >= next_check:
                lock_conn.execute("SELECT 1")  # a dead lock connection means a lost lock
                next_check = time.monotonic() + self._options.check_seconds
            self._wake.clear()
            notifications = self._app.recorder.select_notifications(
                start=position + 1,
                limit=self._options.batch_size,
                topics=self.subscriber.topics,
            )
            self._report_lag(position, notifications)
            if not notifications:
                self._wake.wait(self._options.idle_poll_seconds)
                continue
            with work_conn.cursor() as curs:
                parked = parked_between(curs, self.name, position, notifications[-1].id)
            events = decode(self.name, self._app, notifications, parked)
            self._commit(work_conn, events, notifications, stop)
            position = events[-1][0]
            self.position = position
            self.batches_applied += 1
            self._metrics.blocked_at.labels(self.name).set(0)

    def _commit(
        self,
        conn: psycopg.Connection[DictRow],
        events: list[Numbered],
        notifications: Sequence[Notification],
        stop: threading.Event,
    ) -> None:
        try:
            self._commit_batch(conn, events, stop)
        except _NOT_POISON:
            raise
        except Exception as error:
            by_id = {notification.id: notification for notification in notifications}
            if len(events) == 1:
                raise _poison(self.name, by_id[events[0][0]], error) from error
            for single in events:
                try:
                    self._commit_batch(conn, [single], stop)
                except _NOT_POISON:
                    raise
                except Exception as single_error:
                    raise _poison(self.name, by_id[single[0]], single_error) from single_error

    def _commit_batch(
        self, conn: psycopg.Connection[DictRow], events: list[Numbered], stop: threading.Event
    ) -> None:
        last = events[-1][0]
        fresh = [(number, event) for number, event in events if not isinstance(event, ParkedEvent)]
        subscriber = self.subscriber
        if isinstance(subscriber, ExternalSubscriber):
            if fresh:
                subscriber.deliver(fresh, stop)
            with conn.transaction(), conn.cursor() as curs:
                self._positions.advance(curs, self.name, last)
        else:
            with conn.transaction(), conn.cursor() as curs:
                committed = self._positions.lock(curs, self.name)
                fresh = [(number, event) for number, event in fresh if number > committed]
                if fresh:
                    subscriber.apply(fresh, curs)
                self._positions.advance(curs, self.name, last)
        self._metrics.events.labels(self.name).inc(len(fresh))
        self._metrics.batches.labels(self.name).inc()

    def _report_lag(self, position: int, pending: Sequence[Notification]) -> None:
        head = self._app.recorder.max_notification_id() or 0
        self._gauges.lag_events.set(max(0, head - position))
        if not pending:
            self._gauges.lag_seconds.set(0)
            return
        try:
            oldest: Any = self._app.mapper.to_domain_event(pending[0])
            recorded_at: datetime = oldest.timestamp
        except Exception:  # a poison event: the batch reports it
            return
        self._gauges.lag_seconds.set(max(0.0, (self._clock() - recorded_at).total_seconds()))


def _poison(name: str, notification: Notification, error: Exception) -> PoisonEvent:
    return PoisonEvent(name, notification.id, notification.topic, notification.originator_id, error)


def _try_lock(conn: psycopg.Connection[DictRow], name: str) -> bool:
    row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s)) AS got", (name,)).fetchone()
    return bool(row and row["got"])


def _unlock(conn: psycopg.Connection[DictRow], name: str) -> None:
    # A broken connection has released the lock already.
    with contextlib.suppress(psycopg.Error):
        conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))
