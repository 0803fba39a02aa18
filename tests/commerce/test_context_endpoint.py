"""GET /support/customers/{id}/context over a real PostgreSQL filled by the consumer's store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casetrail.bootstrap.roles.api import ApiDependencies, build_api_app
from casetrail.cases.service.desk import SupportDesk
from casetrail.commerce.context_reader import PostgresCustomerContext
from casetrail.commerce.dead_letters import DeadLetterLimit
from casetrail.commerce.decoding import RawMessage
from casetrail.commerce.postgres_store import PostgresContextStore
from casetrail.commerce.processor import BatchProcessor
from casetrail.commerce.topics import TopicMap
from casetrail.platform.embedded_postgres import free_port
from tests.fixtures.auth import supervisor_headers
from tests.fixtures.commerce_fakes import MemoryDeadLetters, at, order_event

pytestmark = pytest.mark.integration


def payment(event_id: str, minutes: float, order_id: str, payment_id: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "occurred_at": at(minutes),
        "customer_id": "cust-1",
        "order_id": order_id,
        "payment_id": payment_id,
        "amount": "42.50",
        "currency": "EUR",
        "method": "card",
    }


def shipment(event_id: str, minutes: float, status: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "occurred_at": at(minutes),
        "customer_id": "cust-1",
        "order_id": "ord-1",
        "shipment_id": "shp-1",
        "carrier": "DHL",
        "tracking_number": "JD0146",
        "status": status,
    }


def alert(event_id: str, minutes: float, alert_id: str, order_id: str | None) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "occurred_at": at(minutes),
        "customer_id": "cust-1",
        "order_id": order_id,
        "alert_id": alert_id,
        "severity": "high",
        "rule": "velocity",
    }


EVENTS = [
    ("order.status.changed", order_event("e-1", 0, "placed", "ord-1")),
    ("payment.authorized", payment("e-2", 1, "ord-1", "pay-1")),
    ("order.status.changed", order_event("e-3", 2, "paid", "ord-1")),
    ("shipment.status.changed", shipment("e-4", 60, "label_created")),
    ("shipment.status.changed", shipment("e-5", 300, "in_transit")),
    ("fraud.alert", alert("e-6", 1, "fra-1", "ord-1")),
    ("fraud.alert", alert("e-7", 5, "fra-2", None)),
    ("order.status.changed", order_event("e-8", 100, "placed", "ord-2")),
    # A payment whose order's status event has not arrived (yet).
    ("payment.authorized", payment("e-9", 200, "ord-3", "pay-3")),
    ("order.status.changed", order_event("e-10", 50, "placed", "ord-9", customer_id="cust-2")),
]


@pytest.fixture
def context_api(database_url: str, memory_desk: SupportDesk) -> Iterator[TestClient]:
    store = PostgresContextStore(database_url)
    store.migrate()
    BatchProcessor(
        store, MemoryDeadLetters(), topics=TopicMap(), group="test", limit=DeadLetterLimit(None)
    ).process([RawMessage(topic, json.dumps(value).encode()) for topic, value in EVENTS])
    store.close()
    reader = PostgresCustomerContext(database_url)
    reader.open()
    app = build_api_app(ApiDependencies(memory_desk, customer_context=reader))
    with TestClient(app, raise_server_exceptions=False, headers=supervisor_headers()) as client:
        yield client
    reader.close()


def test_recent_orders_with_their_payments_shipments_and_alerts(context_api: TestClient) -> None:
    response = context_api.get("/support/customers/cust-1/context")
    assert response.status_code == 200
    body = response.json()
    assert body["customer_id"] == "cust-1"
    assert [order["order_id"] for order in body["orders"]] == ["ord-1", "ord-3", "ord-2"]
    first = body["orders"][0]
    assert (first["status"], first["total_amount"], first["currency"]) == ("paid", "42.50", "EUR")
    assert first["last_activity_at"] == "2025-03-01T17:00:00Z"
    assert [p["payment_id"] for p in first["payments"]] == ["pay-1"]
    assert [(s["carrier"], s["tracking_number"], s["status"]) for s in first["shipments"]] == [
        ("DHL", "JD0146", "in_transit")
    ]
    assert [a["alert_id"] for a in first["fraud_alerts"]] == ["fra-1"]
    no_status_yet = body["orders"][1]
    assert no_status_yet["status"] is None
    assert [p["payment_id"] for p in no_status_yet["payments"]] == ["pay-3"]
    assert [a["alert_id"] for a in body["account_alerts"]] == ["fra-2"]


def test_limit_and_the_cases_order_first(context_api: TestClient) -> None:
    limited = context_api.get("/support/customers/cust-1/context", params={"limit": 1}).json()
    assert [order["order_id"] for order in limited["orders"]] == ["ord-1"]
    pinned = context_api.get(
        "/support/customers/cust-1/context", params={"limit": 1, "order_id": "ord-2"}
    ).json()
    assert [order["order_id"] for order in pinned["orders"]] == ["ord-2"]
    foreign = context_api.get(
        "/support/customers/cust-1/context", params={"limit": 2, "order_id": "ord-9"}
    ).json()
    assert [order["order_id"] for order in foreign["orders"]] == ["ord-1", "ord-3"]


def test_a_customer_without_commerce_events_has_an_empty_context(context_api: TestClient) -> None:
    body = context_api.get("/support/customers/nobody/context").json()
    assert body == {"customer_id": "nobody", "orders": [], "account_alerts": []}


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/support/customers/cust-1/context?limit=0", "query.limit"),
        ("/support/customers/cust-1/context?limit=many", "query.limit"),
        ("/support/customers/cust-1/context?order_id=", "query.order_id"),
        (f"/support/customers/{'x' * 129}/context", "path.customer_id"),
        ("/support/customers/cust%0A1/context", "path.customer_id"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    context_api: TestClient, path: str, field: str
) -> None:
    response = context_api.get(path)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_an_unreachable_database_is_a_503_problem(memory_desk: SupportDesk) -> None:
    reader = PostgresCustomerContext(f"postgresql://postgres@127.0.0.1:{free_port()}/x", timeout=1)
    reader.open()
    try:
        app = build_api_app(ApiDependencies(memory_desk, customer_context=reader))
        with TestClient(app, headers=supervisor_headers()) as client:
            response = client.get("/support/customers/cust-1/context")
    finally:
        reader.close()
    assert response.status_code == 503
    assert response.json()["type"] == "urn:casetrail:problem:context-unavailable"


def test_without_a_context_source_the_endpoint_says_so(memory_desk: SupportDesk) -> None:
    with TestClient(
        build_api_app(ApiDependencies(memory_desk)), headers=supervisor_headers()
    ) as client:
        response = client.get("/support/customers/cust-1/context")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
