"""What a feature implements to follow the event log: a subscriber.

A subscriber names itself (its lock, its position row, its metrics and its parked events go
by that name), says which event topics it wants, and makes its effect in one of two ways:

- ``TransactionalSubscriber.apply(events, transaction)`` writes rows (or records new events)
  in the transaction that also commits its position: exactly once in effect. SLA clocks,
  assignment and automation decisions are made this way.
- ``ExternalSubscriber.deliver(events, stop)`` makes an effect outside the database (Kafka,
  a webhook, a WebSocket) and returns only once the outside has acknowledged it; the
  position is committed after. A crash in between delivers that batch again, so every
  delivery carries a stable id for the receiver to deduplicate on.

``follower.Follower`` runs either kind: one active follower per name across processes,
batches, wake-ups on commit, poison events reported and never skipped, lag reported.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from psycopg import Cursor
from psycopg.rows import DictRow

from casetrail.platform.subscriptions.view import Numbered


class Subscriber(Protocol):
    @property
    def name(self) -> str:
        """Stable across releases: the committed position is kept under it."""

    @property
    def topics(self) -> Sequence[str]:
        """The event topics to receive; empty for every event."""


@runtime_checkable
class TransactionalSubscriber(Subscriber, Protocol):
    def apply(self, events: Sequence[Numbered], transaction: Cursor[DictRow]) -> None:
        """Make the effect of ``events`` (each new to this subscriber) in ``transaction``;
        the follower commits the new position in the same transaction."""


@runtime_checkable
class ExternalSubscriber(Subscriber, Protocol):
    def deliver(self, events: Sequence[Numbered], stop: threading.Event) -> None:
        """Make the effect of ``events`` outside the database and return once it is
        acknowledged there. Raise ``EffectUnavailable`` when the outside is away (the batch
        is delivered again after a backoff), ``DeliveryStopped`` when ``stop`` was set before
        the acknowledgement (the position stays where it was)."""


class EffectUnavailable(Exception):
    """The outside system is away or refused the batch for now; it will be delivered again."""


class DeliveryStopped(Exception):
    """Asked to stop while a batch was unacknowledged: its position is not committed."""
