"""What the commerce event models accept and what they refuse (and why)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from casetrail.commerce.decoding import Decoded, RawMessage, Rejection, RejectReason, decode
from casetrail.commerce.events import (
    FraudAlertRaised,
    OrderStatus,
    OrderStatusChanged,
    PaymentAuthorized,
    ShipmentStatusChanged,
)
from casetrail.commerce.topics import TopicMap
from tests.fixtures.commerce_fakes import at, order_event

TOPICS = TopicMap()

VALID: dict[str, dict[str, Any]] = {
    "order.status.changed": order_event("e-1", 0, "paid", item_count=3),
    "payment.authorized": {
        "event_id": "e-2",
        "occurred_at": at(1),
        "customer_id": "cust-1",
        "order_id": "ord-1",
        "payment_id": "pay-1",
        "amount": 42.5,
        "currency": "EUR",
        "method": "card",
    },
    "fraud.alert": {
        "event_id": "e-3",
        "occurred_at": at(2),
        "customer_id": "cust-1",
        "alert_id": "fra-1",
        "severity": "high",
        "rule": "velocity",
    },
    "shipment.status.changed": {
        "event_id": "e-4",
        "occurred_at": at(3),
        "customer_id": "cust-1",
        "order_id": "ord-1",
        "shipment_id": "shp-1",
        "carrier": "DHL",
        "tracking_number": "JD0001",
        "status": "in_transit",
        "estimated_delivery": "2025-03-04",
    },
}


def decoded(topic: str, value: bytes | None) -> Decoded | Rejection:
    return decode(RawMessage(topic=topic, value=value, partition=0, offset=7), TOPICS)


def rejection(topic: str, value: bytes | None) -> Rejection:
    result = decoded(topic, value)
    assert isinstance(result, Rejection), result
    return result


@pytest.mark.parametrize("topic", sorted(VALID))
def test_each_topic_reads_its_model(topic: str) -> None:
    result = decoded(topic, json.dumps(VALID[topic]).encode())
    assert isinstance(result, Decoded)
    assert topic == result.event.TOPIC
    assert result.event.schema_version == 1
    assert result.event.customer_id == "cust-1"


def test_models_carry_the_fields_of_their_topic() -> None:
    order = OrderStatusChanged.model_validate(VALID["order.status.changed"])
    assert (order.order_id, order.status, str(order.total_amount)) == (
        "ord-1",
        OrderStatus.PAID,
        "42.50",
    )
    payment = PaymentAuthorized.model_validate(VALID["payment.authorized"])
    assert payment.related_order_id == "ord-1"
    alert = FraudAlertRaised.model_validate(VALID["fraud.alert"])
    assert alert.order_id is None  # an account-level alert
    shipment = ShipmentStatusChanged.model_validate(VALID["shipment.status.changed"])
    assert (shipment.carrier, shipment.tracking_number) == ("DHL", "JD0001")


def test_unknown_fields_are_ignored() -> None:
    value = {**VALID["order.status.changed"], "warehouse": "AMS-2", "lines": [{"sku": "x"}]}
    result = decoded("order.status.changed", json.dumps(value).encode())
    assert isinstance(result, Decoded)
    assert "warehouse" not in result.event.model_dump()


def test_a_prefixed_deployment_reads_the_same_models() -> None:
    message = RawMessage(
        "staging.payment.authorized", json.dumps(VALID["payment.authorized"]).encode()
    )
    assert isinstance(decode(message, TopicMap(prefix="staging.")), Decoded)


@pytest.mark.parametrize(
    ("value", "reason", "mentions"),
    [
        (b"{not json", RejectReason.NOT_JSON, "JSON"),
        (b"\xff\xfe", RejectReason.NOT_JSON, ""),
        (b"[1, 2]", RejectReason.INVALID, ""),
        (None, RejectReason.EMPTY, ""),
        (b"", RejectReason.EMPTY, ""),
    ],
)
def test_undecodable_messages_are_refused(
    value: bytes | None, reason: RejectReason, mentions: str
) -> None:
    refused = rejection("order.status.changed", value)
    assert refused.reason is reason
    assert mentions in refused.error


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event_id": None}, "event_id"),
        ({"occurred_at": "2025-03-01T12:00:00"}, "occurred_at"),  # no UTC offset
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"customer_id": ""}, "customer_id"),
        ({"customer_id": "cust\u0000 1"}, "customer_id"),
        ({"order_id": 17}, "order_id"),
        ({"status": "teleported"}, "status"),
        ({"total_amount": "a lot"}, "total_amount"),
        ({"total_amount": -1}, "total_amount"),
        ({"currency": "euro"}, "currency"),
        ({"schema_version": 2}, "schema_version"),
    ],
)
def test_schema_violations_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    value = {**VALID["order.status.changed"], **change}
    refused = rejection("order.status.changed", json.dumps(value).encode())
    assert refused.reason is RejectReason.INVALID
    assert refused.error.startswith(field), refused.error


@pytest.mark.parametrize("missing", ["event_id", "occurred_at", "customer_id", "order_id"])
def test_required_fields(missing: str) -> None:
    value = dict(VALID["shipment.status.changed"])
    del value[missing]
    refused = rejection("shipment.status.changed", json.dumps(value).encode())
    assert refused.error == f"{missing}: Field required"


def test_a_message_on_a_foreign_topic_is_refused() -> None:
    assert rejection("inventory.changed", b"{}").reason is RejectReason.UNKNOWN_TOPIC
