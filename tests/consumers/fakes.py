"""In-memory stand-ins for the consumers' ports: a context store and a dead-letter sink."""

from __future__ import annotations

import contextlib
import copy
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from casetrail.commerce.dead_letters import DeadLetter
from casetrail.commerce.events import CommerceEvent
from casetrail.commerce.plan import BatchPlan, OrderRow, supersedes
from casetrail.commerce.ports import (
    DeadLetterUnavailable,
    Partition,
    Positions,
    StoreUnavailable,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def order_event(
    event_id: str, minutes: float, status: str = "placed", order_id: str = "ord-1", **extra: Any
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "occurred_at": at(minutes),
        "customer_id": extra.pop("customer_id", "cust-1"),
        "order_id": order_id,
        "status": status,
        "total_amount": "42.50",
        "currency": "EUR",
        **extra,
    }


@dataclass
class MemoryState:
    log: dict[str, CommerceEvent] = field(default_factory=dict)
    orders: dict[str, OrderRow] = field(default_factory=dict)
    payments: dict[str, CommerceEvent] = field(default_factory=dict)
    shipments: dict[str, CommerceEvent] = field(default_factory=dict)
    fraud_alerts: dict[str, CommerceEvent] = field(default_factory=dict)
    positions: dict[tuple[str, str, int], int] = field(default_factory=dict)


class MemoryTransaction:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    def lock_positions(self, group: str, partitions: Collection[Partition]) -> Positions:
        return {
            (topic, partition): self.state.positions.get((group, topic, partition), 0)
            for topic, partition in partitions
        }

    def apply(self, plan: BatchPlan) -> dict[str, int]:
        new: Counter[str] = Counter()
        for event in plan.log:
            if event.event_id not in self.state.log:
                self.state.log[event.event_id] = event
                new[event.TOPIC] += 1
        for order_id, row in plan.orders.items():
            current = self.state.orders.get(order_id)
            if current is None:
                self.state.orders[order_id] = copy.copy(row)
                continue
            current.first_seen_at = min(current.first_seen_at, row.first_seen_at)
            if supersedes(row.latest, current.latest):
                current.latest = row.latest
        for name in ("payments", "shipments", "fraud_alerts"):
            rows: dict[str, CommerceEvent] = getattr(self.state, name)
            for key, event in getattr(plan, name).items():
                if supersedes(event, rows.get(key)):
                    rows[key] = event
        return dict(new)

    def save_positions(self, group: str, positions: Mapping[Partition, int]) -> None:
        for (topic, partition), offset in positions.items():
            self.state.positions[group, topic, partition] = offset


class MemoryStore:
    """Transactions are all-or-nothing: changes are made on a copy, kept on commit.
    ``fail_next`` makes the next transactions fail as if the database were down."""

    def __init__(self) -> None:
        self.state = MemoryState()
        self.fail_next = 0
        self.commits = 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[MemoryTransaction]:
        if self.fail_next:
            self.fail_next -= 1
            raise StoreUnavailable("PostgreSQL unavailable: connection refused")
        working = copy.deepcopy(self.state)
        yield MemoryTransaction(working)
        self.state = working
        self.commits += 1

    def positions(self, group: str, topics: Collection[str]) -> Positions:
        return {
            (topic, partition): offset
            for (stored_group, topic, partition), offset in self.state.positions.items()
            if stored_group == group and topic in topics
        }


class MemoryDeadLetters:
    def __init__(self) -> None:
        self.sent: list[DeadLetter] = []
        self.fail_next = 0

    def send(self, letters: Sequence[DeadLetter]) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise DeadLetterUnavailable("dead-letter topic did not acknowledge")
        self.sent.extend(letters)
