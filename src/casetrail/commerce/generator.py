"""Realistic commerce event streams for demos, load tests and benchmarks.

Orders go through their lives the way a shop's do: placed, sometimes flagged by the fraud
service, paid (a payment authorization), packed, shipped with a carrier and a tracking number,
moved along by the carrier, delivered; a few are cancelled or returned. Many orders are in
flight at once, so the events of different orders interleave as they would on the topics.

Optional imperfections exercise the consumer: redeliveries (the same event again),
reordering within a window, and poison (not JSON, or missing a required field).
Deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from casetrail.commerce.events import (
    FraudAlertRaised,
    OrderStatusChanged,
    PaymentAuthorized,
    ShipmentStatusChanged,
)

CARRIERS = ("DHL", "UPS", "FedEx", "PostNL", "Royal Mail", "La Poste", "GLS", "DPD")
METHODS = ("card", "card", "card", "paypal", "apple_pay", "google_pay", "klarna")
CURRENCIES = ("EUR", "EUR", "EUR", "USD", "GBP")
FRAUD_RULES = (
    ("velocity", "Many orders from one card within minutes"),
    ("address-mismatch", "Billing and shipping countries differ"),
    ("new-device", "First order from an unseen device with a high basket"),
    ("chargeback-history", "Customer has a past chargeback"),
)


@dataclass(frozen=True, slots=True)
class GeneratedMessage:
    topic: str  # the event topic, without any deployment prefix
    key: bytes
    value: bytes

    def as_json_line(self) -> str:
        """The line format ``casetrail ingest`` reads."""
        value: Any
        try:
            value = json.loads(self.value)
        except ValueError:
            value = self.value.decode("utf-8", "replace")
        return json.dumps(
            {"topic": self.topic, "key": self.key.decode(), "value": value},
            separators=(",", ":"),
        )


@dataclass
class _Order:
    order_id: str
    customer_id: str
    currency: str
    total: str
    items: int
    stage: int = 0
    shipment_id: str = ""
    carrier: str = ""
    tracking: str = ""


# The steps an order goes through, in order; each yields one event.
_LIFE = (
    "placed",
    "confirmed",
    "payment",
    "paid",
    "packed",
    "label",
    "shipped",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "order_delivered",
)


@dataclass
class CommerceStreamGenerator:
    customers: int = 1_000
    seed: int = 1
    start: datetime = field(default_factory=lambda: datetime(2025, 1, 6, 8, 0, tzinfo=UTC))
    in_flight: int = 200  # orders under way at once
    duplicate_rate: float = 0.0
    reorder_window: int = 0
    poison_rate: float = 0.0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)  # noqa: S311 (test data, not secrets)
        self._clock = self.start
        self._orders: list[_Order] = []
        self._numbers = 0
        self._recent: deque[GeneratedMessage] = deque(maxlen=1_000)

    def messages(self, count: int) -> Iterator[GeneratedMessage]:
        pending: list[GeneratedMessage] = []
        produced = 0
        while produced < count:
            message = self._next()
            if self.reorder_window > 1:
                pending.append(message)
                if len(pending) < self.reorder_window:
                    continue
                message = pending.pop(self._random.randrange(len(pending)))
            yield message
            produced += 1
        for message in pending[: max(0, count - produced)]:
            yield message

    def _next(self) -> GeneratedMessage:
        chance = self._random.random()
        if self._recent and chance < self.duplicate_rate:
            return self._random.choice(self._recent)
        if chance < self.duplicate_rate + self.poison_rate:
            return self._poison()
        message = self._advance()
        self._recent.append(message)
        return message

    def _id(self, prefix: str) -> str:
        self._numbers += 1
        return f"{prefix}-{self.seed}-{self._numbers:09d}"

    def _tick(self) -> str:
        self._clock += timedelta(milliseconds=self._random.randint(50, 4_000))
        return self._clock.isoformat().replace("+00:00", "Z")

    def _advance(self) -> GeneratedMessage:
        if len(self._orders) < self.in_flight or self._random.random() < 0.05:
            order = _Order(
                order_id=self._id("ord"),
                customer_id=f"cust-{self._random.randrange(self.customers):07d}",
                currency=self._random.choice(CURRENCIES),
                total=f"{self._random.randint(500, 50_000) / 100:.2f}",
                items=self._random.randint(1, 6),
            )
            self._orders.append(order)
            return self._step(order)
        index = self._random.randrange(len(self._orders))
        order = self._orders[index]
        message = self._step(order)
        if order.stage >= len(_LIFE):
            # Swap-remove: the order's life is over.
            self._orders[index] = self._orders[-1]
            self._orders.pop()
        return message

    def _step(self, order: _Order) -> GeneratedMessage:
        step = _LIFE[order.stage]
        order.stage += 1
        if step == "placed" and self._random.random() < 0.03:
            order.stage -= 1  # the alert comes first; the order is placed on a later step
            return self._fraud_alert(order)
        if step == "confirmed" and self._random.random() < 0.04:
            order.stage = len(_LIFE)
            return self._order_status(order, "cancelled")
        if step in ("placed", "confirmed", "paid", "packed", "shipped"):
            return self._order_status(order, step)
        if step == "order_delivered":
            return self._order_status(
                order, "returned" if self._random.random() < 0.03 else "delivered"
            )
        if step == "payment":
            return self._payment(order)
        if step == "label":
            order.shipment_id = self._id("shp")
            order.carrier = self._random.choice(CARRIERS)
            order.tracking = f"{order.carrier[:2].upper()}{self._random.randrange(10**11):011d}"
            return self._shipment(order, "label_created")
        if step == "delivered" and self._random.random() < 0.02:
            return self._shipment(order, "delivery_failed")
        return self._shipment(order, step)

    def _encode(self, topic: str, order: _Order, body: dict[str, Any]) -> GeneratedMessage:
        value = {
            "schema_version": 1,
            "event_id": self._id("evt"),
            "occurred_at": self._tick(),
            "customer_id": order.customer_id,
            **body,
        }
        return GeneratedMessage(
            topic, order.customer_id.encode(), json.dumps(value, separators=(",", ":")).encode()
        )

    def _order_status(self, order: _Order, status: str) -> GeneratedMessage:
        return self._encode(
            OrderStatusChanged.TOPIC,
            order,
            {
                "order_id": order.order_id,
                "status": status,
                "total_amount": order.total,
                "currency": order.currency,
                "item_count": order.items,
            },
        )

    def _payment(self, order: _Order) -> GeneratedMessage:
        return self._encode(
            PaymentAuthorized.TOPIC,
            order,
            {
                "order_id": order.order_id,
                "payment_id": self._id("pay"),
                "amount": order.total,
                "currency": order.currency,
                "method": self._random.choice(METHODS),
                "authorization_code": f"{self._random.randrange(16**6):06X}",
            },
        )

    def _shipment(self, order: _Order, status: str) -> GeneratedMessage:
        body: dict[str, Any] = {
            "order_id": order.order_id,
            "shipment_id": order.shipment_id,
            "carrier": order.carrier,
            "tracking_number": order.tracking,
            "status": status,
        }
        if status == "label_created":
            body["estimated_delivery"] = (self._clock + timedelta(days=3)).date().isoformat()
        return self._encode(ShipmentStatusChanged.TOPIC, order, body)

    def _fraud_alert(self, order: _Order) -> GeneratedMessage:
        rule, description = self._random.choice(FRAUD_RULES)
        return self._encode(
            FraudAlertRaised.TOPIC,
            order,
            {
                "alert_id": self._id("fra"),
                "order_id": order.order_id,
                "severity": self._random.choice(("low", "medium", "medium", "high", "critical")),
                "rule": rule,
                "score": round(self._random.uniform(0.5, 0.99), 2),
                "description": description,
            },
        )

    def _poison(self) -> GeneratedMessage:
        customer = f"cust-{self._random.randrange(self.customers):07d}"
        topic = self._random.choice(
            (OrderStatusChanged.TOPIC, PaymentAuthorized.TOPIC, ShipmentStatusChanged.TOPIC)
        )
        if self._random.random() < 0.5:
            return GeneratedMessage(topic, customer.encode(), b"{not json")
        broken = {"event_id": self._id("evt"), "customer_id": customer, "occurred_at": "soon"}
        return GeneratedMessage(topic, customer.encode(), json.dumps(broken).encode())
