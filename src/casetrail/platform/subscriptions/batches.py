"""Reading the notification log in batches and applying each batch in one transaction.

(Reading the next batch on another thread while one is applied was measured and gained
nothing: decoding and folding are Python work that shares one interpreter lock.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import InterfaceError, Notification, OperationalError

from casetrail.platform.subscriptions.errors import PoisonEvent
from casetrail.platform.subscriptions.metrics import ProjectionMetrics
from casetrail.platform.subscriptions.parking import ParkedEvent
from casetrail.platform.subscriptions.view import BatchedView, Numbered
from casetrail.platform.tracing import attributes_of, span

# Errors after which the same work may succeed: the database went away or timed out.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    OperationalError,
    InterfaceError,
)

BeforeCommit = Callable[[Sequence[Numbered]], None]


@dataclass(frozen=True)
class ReadBatch:
    notifications: Sequence[Notification]
    # Decoded events; fewer than the notifications when one does not decode (it is then
    # the first of the next batch, and reported as a poison event there).
    events: list[Numbered]

    @property
    def last_id(self) -> int:
        return self.events[-1][0]


def read_batch(
    view: BatchedView, app: Application[Any], position: int, batch_size: int
) -> ReadBatch | None:
    """The notifications after ``position``, decoded (those parked for this view are not:
    they come as ``ParkedEvent``); None when there are none."""
    notifications = app.recorder.select_notifications(
        start=position, limit=batch_size, inclusive_of_start=False
    )
    if not notifications:
        return None
    parked = view.parked_between(position, notifications[-1].id)
    return ReadBatch(notifications, decode(view.projection_name, app, notifications, parked))


def decode(
    projection: str,
    app: Application[Any],
    notifications: Sequence[Notification],
    parked: Collection[int] = frozenset(),
) -> list[Numbered]:
    """Domain events of the notifications, up to (not including) the first that does not
    decode; if that is the very first, it is a poison event. Parked ones are not decoded."""
    batch: list[Numbered] = []
    for notification in notifications:
        if notification.id in parked:
            marker = ParkedEvent(notification.id, notification.topic, notification.originator_id)
            batch.append((notification.id, marker))
            continue
        try:
            batch.append((notification.id, app.mapper.to_domain_event(notification)))
        except Exception as error:
            if not batch:
                raise _poison(projection, notification, error) from error
            break
    return batch


def apply_batch(
    view: BatchedView,
    application_name: str,
    batch: ReadBatch,
    *,
    before_commit: BeforeCommit | None = None,
    metrics: ProjectionMetrics | None = None,
) -> int:
    """Apply the batch in one transaction; answers the new position. A batch that fails for
    a reason other than the database is retried event by event to name the poison event."""
    started = time.perf_counter()
    attributes = attributes_of(projection=view.projection_name, events=len(batch.events))
    with span("projection batch", attributes):
        try:
            position = _apply(view, application_name, batch.events, before_commit)
        except TRANSIENT_ERRORS:
            raise
        except Exception as error:
            position = _isolate_poison(view, application_name, batch, error, before_commit)
    if metrics is not None:
        metrics.events.labels(view.projection_name).inc(len(batch.events))
        metrics.batches.labels(view.projection_name).inc()
        metrics.batch_seconds.labels(view.projection_name).observe(time.perf_counter() - started)
    return position


def follow_once(
    view: BatchedView,
    app: Application[Any],
    position: int,
    batch_size: int,
    *,
    before_commit: BeforeCommit | None = None,
) -> tuple[int, int]:
    """Read the next notifications after ``position`` and apply them in one transaction.
    Answers the new position and how many events were applied (0: caught up)."""
    batch = read_batch(view, app, position, batch_size)
    if batch is None:
        return position, 0
    return apply_batch(view, app.name, batch, before_commit=before_commit), len(batch.events)


def catch_up(
    view: BatchedView,
    app: Application[Any],
    batch_size: int,
    *,
    on_batch: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Apply everything recorded after the view's position; answers the position reached
    and how many events were applied. ``on_batch(position, applied)`` follows progress."""
    position = view.position(app.name)
    applied = 0
    while (batch := read_batch(view, app, position, batch_size)) is not None:
        position = apply_batch(view, app.name, batch)
        applied += len(batch.events)
        if on_batch is not None:
            on_batch(position, len(batch.events))
    return position, applied


def _isolate_poison(
    view: BatchedView,
    application_name: str,
    batch: ReadBatch,
    error: Exception,
    before_commit: BeforeCommit | None,
) -> int:
    """The batch failed: apply its events one by one (committing those before the one at
    fault) so that the report names the event. Answers the position if all applied."""
    by_id = {notification.id: notification for notification in batch.notifications}
    if len(batch.events) == 1:
        raise _poison(view.projection_name, by_id[batch.events[0][0]], error) from error
    position = 0
    for single in batch.events:
        try:
            position = _apply(view, application_name, [single], before_commit)
        except TRANSIENT_ERRORS:
            raise
        except Exception as single_error:
            raise _poison(view.projection_name, by_id[single[0]], single_error) from single_error
    return position


def _poison(projection: str, notification: Notification, error: Exception) -> PoisonEvent:
    return PoisonEvent(
        projection, notification.id, notification.topic, notification.originator_id, error
    )


def _apply(
    view: BatchedView,
    application_name: str,
    events: Sequence[Numbered],
    before_commit: BeforeCommit | None,
) -> int:
    if before_commit is None:
        return view.apply(application_name, events)
    return view.apply(application_name, events, before_commit=lambda: before_commit(events))
