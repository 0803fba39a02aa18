"""What one batch of events changes in the context projections, and the ordering rule.

Kafka orders messages only within a partition, producers retry, and upstream services emit
out of order. So state follows the events' own clock, not arrival order: of two events about
the same order (or payment, shipment, alert), the one with the later ``(occurred_at,
event_id)`` wins, wherever and whenever it arrives. The event id breaks ties between events
of the same instant so that every replica and every replay ends with identical rows.

The store applies the same rule between a batch and the rows already stored (an upsert that
only overwrites an older row); here a batch is reduced to one row per key first, because one
upsert statement cannot touch the same row twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from casetrail.commerce.events import (
    CommerceEvent,
    FraudAlertRaised,
    OrderStatusChanged,
    PaymentAuthorized,
    ShipmentStatusChanged,
)

EventT = TypeVar("EventT", bound=CommerceEvent)


def ordering_key(event: CommerceEvent) -> tuple[datetime, str]:
    return (event.occurred_at, event.event_id)


def supersedes(candidate: CommerceEvent, current: CommerceEvent | None) -> bool:
    """Whether ``candidate`` is newer than ``current`` under the ordering rule."""
    return current is None or ordering_key(candidate) > ordering_key(current)


@dataclass
class OrderRow:
    """The latest status event of an order, and when the order was first seen."""

    latest: OrderStatusChanged
    first_seen_at: datetime


@dataclass
class BatchPlan:
    # Every distinct event, in arrival order: the append-only log (first copy wins).
    log: list[CommerceEvent] = field(default_factory=list)
    orders: dict[str, OrderRow] = field(default_factory=dict)
    payments: dict[str, PaymentAuthorized] = field(default_factory=dict)
    shipments: dict[str, ShipmentStatusChanged] = field(default_factory=dict)
    fraud_alerts: dict[str, FraudAlertRaised] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.log)


def _keep_latest(rows: dict[str, EventT], key: str, event: EventT) -> None:
    if supersedes(event, rows.get(key)):
        rows[key] = event


def plan_batch(events: Iterable[CommerceEvent]) -> BatchPlan:
    plan = BatchPlan()
    seen: set[str] = set()
    for event in events:
        if event.event_id in seen:
            continue  # a redelivery inside the batch
        seen.add(event.event_id)
        plan.log.append(event)
        if isinstance(event, OrderStatusChanged):
            row = plan.orders.get(event.order_id)
            if row is None:
                plan.orders[event.order_id] = OrderRow(event, event.occurred_at)
            else:
                row.first_seen_at = min(row.first_seen_at, event.occurred_at)
                if supersedes(event, row.latest):
                    row.latest = event
        elif isinstance(event, PaymentAuthorized):
            _keep_latest(plan.payments, event.payment_id, event)
        elif isinstance(event, ShipmentStatusChanged):
            _keep_latest(plan.shipments, event.shipment_id, event)
        elif isinstance(event, FraudAlertRaised):
            _keep_latest(plan.fraud_alerts, event.alert_id, event)
    return plan
