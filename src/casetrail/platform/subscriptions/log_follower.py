"""The one loop that follows the notification log, for subscribers and projections alike.

What differs between followers is their ``Track``: which advisory lock makes a follower the
only active one, where its position is kept and how a batch takes effect. A subscriber's
track (``subscriber_track``) keeps one position row under its name; a projection's
(``projection_track``) keeps the position in the tracking table of the version it writes, so
that a rebuild fills a new version while the old one serves (blue/green). Everything else is
here, once:

- claim the track (the others stand by and try again, taking over when it goes);
- read up to ``batch_size`` notifications of the track's topics after its position, decode
  them (events an operator parked for it pass as ``ParkedEvent``) and commit them;
- a batch that fails for a reason other than an unavailable database or outside system is
  tried event by event, so that the report names the poison event; nothing is skipped;
- once caught up, sleep until the event store's NOTIFY (or a short poll) wakes it;
- every ``check_seconds``, prove the lock connection alive and the claim still current.

Notification ids can have gaps (a rolled-back insert consumes ids). Reading "every
notification after my position, in order" neither stalls on a gap nor skips past an event
committed later with a lower id: the event store commits inserts in id order (it takes a
table lock), so a lower id can never appear after a higher one became visible.

Run it under ``supervisor.supervise`` for restarts with backoff.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from psycopg.rows import DictRow

from casetrail.platform.subscriptions.batches import TRANSIENT_ERRORS, decode
from casetrail.platform.subscriptions.errors import PoisonEvent
from casetrail.platform.subscriptions.subscriber import DeliveryStopped, EffectUnavailable
from casetrail.platform.subscriptions.view import Numbered

logger = logging.getLogger(__name__)

Connect = Callable[[], psycopg.Connection[DictRow]]

# What makes a batch worth committing again as it is, rather than a poison event to name.
RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (*TRANSIENT_ERRORS, EffectUnavailable)
# What ends a batch as it is, without trying its events one by one.
_NOT_POISON: tuple[type[BaseException], ...] = (*RETRYABLE_ERRORS, DeliveryStopped)


class Claim(Protocol):
    """A track this follower holds: its position, its effect, and the lock to give back."""

    def position(self) -> int: ...

    def still_held(self) -> bool:
        """Whether to go on (also proves the lock connection alive: if it died, so did the
        lock)."""

    def parked_between(self, after: int, up_to: int) -> set[int]: ...

    def commit(self, events: list[Numbered], stop: threading.Event) -> int:
        """Make the effect of ``events`` and commit the position of the last one; answers
        how many events took effect (not those parked or already past the position)."""

    def release(self) -> None: ...


class Track(Protocol):
    @property
    def name(self) -> str:
        """What the follower is reported, supervised and parked under."""

    @property
    def topics(self) -> Sequence[str]:
        """The event topics to follow; empty for every event."""

    def claim(self, lock_conn: psycopg.Connection[DictRow]) -> Claim | None:
        """Take the track's lock on ``lock_conn``; None when another follower holds it."""


class Report(Protocol):
    """Where a follower's state goes (its metrics)."""

    @property
    def tracks_lag(self) -> bool: ...

    def active(self, is_active: bool) -> None: ...

    def committed(self, events: int, seconds: float) -> None: ...

    def unblocked(self) -> None: ...

    def lag(self, events: int, seconds: float | None) -> None: ...


@dataclass(frozen=True)
class FollowerOptions:
    batch_size: int = 1_000
    # How long an idle follower sleeps when no NOTIFY arrives (a missed one costs this much).
    idle_poll_seconds: float = 1.0
    # How often the active follower checks its lock connection and its claim.
    check_seconds: float = 0.5
    # How often a standby follower tries to take over.
    standby_poll_seconds: float = 1.0


DEFAULT_OPTIONS = FollowerOptions()


class LogFollower:
    def __init__(
        self,
        track: Track,
        *,
        app: Application[Any],
        connect: Connect,
        wake: threading.Event,
        report: Report,
        options: FollowerOptions = DEFAULT_OPTIONS,
        on_position: Callable[[int], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.track = track
        self._app = app
        self._connect = connect
        self._wake = wake
        self._report = report
        self._options = options
        self._on_position = on_position
        self._clock = clock
        self.batches_applied = 0
        self.is_active = False  # holds the track's lock and commits events
        self.position = 0

    @property
    def name(self) -> str:
        return self.track.name

    def wake(self) -> None:
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        """Follow the log until ``stop`` is set; raises when it cannot go on."""
        with self._connect() as lock_conn:
            while not stop.is_set():
                claim = self.track.claim(lock_conn)
                if claim is None:
                    self._report.active(False)
                    stop.wait(self._options.standby_poll_seconds)
                    continue
                self.is_active = True
                self._report.active(True)
                try:
                    self._follow(claim, stop)
                except DeliveryStopped:
                    return
                finally:
                    self.is_active = False
                    self._report.active(False)
                    if not lock_conn.closed:
                        claim.release()

    def _follow(self, claim: Claim, stop: threading.Event) -> None:
        position = claim.position()
        self._publish(position)
        next_check = time.monotonic() + self._options.check_seconds
        while not stop.is_set():
            if time.monotonic() >= next_check:
                if not claim.still_held():
                    return
                next_check = time.monotonic() + self._options.check_seconds
            self._wake.clear()
            notifications = self._app.recorder.select_notifications(
                start=position + 1, limit=self._options.batch_size, topics=self.track.topics
            )
            if self._report.tracks_lag:
                self._report_lag(position, notifications)
            if not notifications:
                self._wake.wait(self._options.idle_poll_seconds)
                continue
            parked = claim.parked_between(position, notifications[-1].id)
            events = decode(self.name, self._app, notifications, parked)
            self._commit(claim, events, notifications, stop)
            position = events[-1][0]
            self._publish(position)
            self.batches_applied += 1
            self._report.unblocked()

    def _commit(
        self,
        claim: Claim,
        events: list[Numbered],
        notifications: Sequence[Notification],
        stop: threading.Event,
    ) -> None:
        try:
            self._commit_batch(claim, events, stop)
        except _NOT_POISON:
            raise
        except Exception as error:
            by_id = {notification.id: notification for notification in notifications}
            if len(events) == 1:
                raise _poison(self.name, by_id[events[0][0]], error) from error
            for single in events:
                try:
                    self._commit_batch(claim, [single], stop)
                except _NOT_POISON:
                    raise
                except Exception as single_error:
                    raise _poison(self.name, by_id[single[0]], single_error) from single_error

    def _commit_batch(self, claim: Claim, events: list[Numbered], stop: threading.Event) -> None:
        started = time.perf_counter()
        applied = claim.commit(events, stop)
        self._report.committed(applied, time.perf_counter() - started)

    def _publish(self, position: int) -> None:
        self.position = position
        if self._on_position is not None:
            self._on_position(position)

    def _report_lag(self, position: int, pending: Sequence[Notification]) -> None:
        if not pending:
            # Nothing it follows is left: events of other topics past it are no lag.
            self._report.lag(0, 0.0)
            return
        head = self._app.recorder.max_notification_id() or 0
        try:
            oldest: Any = self._app.mapper.to_domain_event(pending[0])
            recorded_at: datetime = oldest.timestamp
        except Exception:  # a poison event: the batch reports it
            self._report.lag(max(0, head - position), None)
            return
        seconds = max(0.0, (self._clock() - recorded_at).total_seconds())
        self._report.lag(max(0, head - position), seconds)


def _poison(name: str, notification: Notification, error: Exception) -> PoisonEvent:
    return PoisonEvent(name, notification.id, notification.topic, notification.originator_id, error)
