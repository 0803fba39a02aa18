"""A merged duplicate's commerce context shows under the survivor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from casetrail.bootstrap.roles.api import ApiDependencies, build_api_app
from casetrail.cases.service.desk import SupportDesk
from casetrail.commerce.context import CustomerContext, FraudAlertView, OrderContext
from tests.fixtures.auth import supervisor_headers, unlimited

T0 = datetime(2026, 5, 1, tzinfo=UTC)


class OrdersByCustomer:
    def __init__(self) -> None:
        self.orders = {
            "cust-a": [OrderContext("order-a", T0)],
            "cust-b": [
                OrderContext("order-b1", T0 + timedelta(days=2)),
                OrderContext("order-b2", T0 - timedelta(days=3)),
            ],
        }

    def customer_context(
        self, customer_id: str, *, limit: int, order_id: str | None = None
    ) -> CustomerContext:
        alerts = [FraudAlertView(f"alert-{customer_id}", None, "high", "velocity", None, None, T0)]
        return CustomerContext(customer_id, self.orders.get(customer_id, [])[:limit], alerts)


@pytest.fixture
def client(memory_desk: SupportDesk) -> Iterator[TestClient]:
    app = build_api_app(
        ApiDependencies(
            memory_desk, customer_context=OrdersByCustomer(), authentication=unlimited()
        )
    )
    with TestClient(app, raise_server_exceptions=False, headers=supervisor_headers()) as client:
        yield client


def order_ids(client: TestClient, customer_id: str, **params: str) -> list[str]:
    response = client.get(f"/support/customers/{customer_id}/context", params=params)
    assert response.status_code == 200, response.text
    return [order["order_id"] for order in response.json()["orders"]]


def test_the_survivor_shows_the_duplicates_orders_latest_first(client: TestClient) -> None:
    client.post("/support/customers", json={"id": "cust-a", "name": "Sarah Lee"})
    client.post("/support/customers", json={"id": "cust-b", "name": "S. Lee"})
    assert order_ids(client, "cust-a") == ["order-a"]
    client.post("/support/customers/cust-a/merge", json={"from_customer_id": "cust-b"})
    assert order_ids(client, "cust-a") == ["order-b1", "order-a", "order-b2"]
    assert order_ids(client, "cust-a", limit="2") == ["order-b1", "order-a"]
    assert order_ids(client, "cust-a", order_id="order-b2")[0] == "order-b2"
    alerts = client.get("/support/customers/cust-a/context").json()["account_alerts"]
    assert {alert["alert_id"] for alert in alerts} == {"alert-cust-a", "alert-cust-b"}
    # The duplicate's id leads to the same person.
    assert order_ids(client, "cust-b") == ["order-b1", "order-a", "order-b2"]
