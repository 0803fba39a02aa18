"""Commerce events for timeline tests, recorded the way the consumer records them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from casetrail.commerce.dead_letters import DeadLetterLimit
from casetrail.commerce.decoding import RawMessage
from casetrail.commerce.events import (
    CommerceEvent,
    FraudAlertRaised,
    FraudSeverity,
    OrderStatus,
    OrderStatusChanged,
    PaymentAuthorized,
    ShipmentStatus,
    ShipmentStatusChanged,
)
from casetrail.commerce.ingest import RefusedLines
from casetrail.commerce.postgres_store import PostgresContextStore
from casetrail.commerce.processor import BatchProcessor
from casetrail.commerce.topics import TopicMap
from casetrail.timeline.model import TimelineInvalidation


def record_context(
    database_url: str,
    events: Sequence[CommerceEvent],
    invalidation: TimelineInvalidation | None = None,
) -> None:
    store = PostgresContextStore(database_url)
    try:
        store.migrate()
        processor = BatchProcessor(
            store,
            RefusedLines(),
            topics=TopicMap(),
            group="timeline-test",
            limit=DeadLetterLimit(None),
            timeline=invalidation,
        )
        result = processor.process(
            [
                RawMessage(
                    topic=event.TOPIC,
                    value=event.model_dump_json().encode(),
                    key=event.customer_id.encode(),
                )
                for event in events
            ]
        )
        assert result.dead_lettered == 0
    finally:
        store.close()


def _event_id() -> str:
    return f"evt-{uuid.uuid4().hex[:12]}"


def order(
    customer_id: str, order_id: str, at: datetime, status: str = "placed"
) -> OrderStatusChanged:
    return OrderStatusChanged(
        event_id=_event_id(),
        occurred_at=at,
        customer_id=customer_id,
        order_id=order_id,
        status=OrderStatus(status),
        total_amount=Decimal("59.90"),
        currency="EUR",
        item_count=2,
    )


def payment(customer_id: str, order_id: str, at: datetime) -> PaymentAuthorized:
    return PaymentAuthorized(
        event_id=_event_id(),
        occurred_at=at,
        customer_id=customer_id,
        order_id=order_id,
        payment_id=f"pay-{order_id}",
        amount=Decimal("59.90"),
        currency="EUR",
        method="card",
        authorization_code="A1B2",
    )


def shipment(customer_id: str, order_id: str, at: datetime) -> ShipmentStatusChanged:
    return ShipmentStatusChanged(
        event_id=_event_id(),
        occurred_at=at,
        customer_id=customer_id,
        order_id=order_id,
        shipment_id=f"ship-{order_id}",
        carrier="DHL",
        tracking_number="JD0001",
        status=ShipmentStatus.IN_TRANSIT,
    )


def fraud_alert(customer_id: str, order_id: str | None, at: datetime) -> FraudAlertRaised:
    return FraudAlertRaised(
        event_id=_event_id(),
        occurred_at=at,
        customer_id=customer_id,
        order_id=order_id,
        alert_id=f"alert-{uuid.uuid4().hex[:6]}",
        severity=FraudSeverity.HIGH,
        rule="velocity",
        score=0.93,
    )
