"""The commerce context of a customer, as the agent's sidebar shows it (read side).

The commerce consumers keep the rows; this is the shape queries return and the port the API
reads them through. Orders are listed by their latest activity of any kind (a status, a
payment, a shipment scan, a fraud alert), so an order whose status event has not arrived yet
still appears, with its payments and shipments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class PaymentView:
    payment_id: str
    amount: Decimal
    currency: str
    method: str
    authorization_code: str | None
    authorized_at: datetime


@dataclass(frozen=True)
class ShipmentView:
    shipment_id: str
    carrier: str
    tracking_number: str
    status: str
    estimated_delivery: date | None
    status_changed_at: datetime


@dataclass(frozen=True)
class FraudAlertView:
    alert_id: str
    order_id: str | None
    severity: str
    rule: str
    score: float | None
    description: str | None
    raised_at: datetime


@dataclass(frozen=True)
class OrderContext:
    order_id: str
    last_activity_at: datetime
    # None until the order's first status event arrives.
    status: str | None = None
    total_amount: Decimal | None = None
    currency: str | None = None
    item_count: int | None = None
    status_changed_at: datetime | None = None
    first_seen_at: datetime | None = None
    payments: list[PaymentView] = field(default_factory=list)
    shipments: list[ShipmentView] = field(default_factory=list)
    fraud_alerts: list[FraudAlertView] = field(default_factory=list)


@dataclass(frozen=True)
class CustomerContext:
    customer_id: str
    orders: list[OrderContext]
    # Alerts about the customer's account rather than one order.
    account_alerts: list[FraudAlertView]


class ContextUnavailable(RuntimeError):
    """The context tables cannot be read right now (database away)."""


class CustomerContextReader(Protocol):
    def customer_context(
        self, customer_id: str, *, limit: int, order_id: str | None = None
    ) -> CustomerContext:
        """At most ``limit`` orders, latest activity first; ``order_id`` (a case's order), when
        it is the customer's, comes first whatever its age. Raises :class:`ContextUnavailable`."""
        ...
