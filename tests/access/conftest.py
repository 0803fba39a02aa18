"""An API over the in-memory desk with three cases whose owners differ, and tokens for
each kind of caller."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casetrail.bootstrap.http_app import create_app
from casetrail.cases.service.desk import SupportDesk
from casetrail.commerce.context import CustomerContext
from casetrail.platform.http.principals import Role, Scope
from casetrail.privacy.erasure import erasure_for
from tests.fixtures.auth import bearer, unlimited


def caller_headers(name: str) -> dict[str, str]:
    if name == "agent":
        return bearer(Role.AGENT, "agent-1")
    if name == "supervisor":
        return bearer(Role.SUPERVISOR, "sup-1")
    if name == "analyst":
        return bearer(Role.ANALYST, "analyst-1")
    if name == "customer":
        return bearer(Role.CUSTOMER, "cust-1")
    if name == "service_read":
        return bearer(Role.SERVICE, "svc-reader", scopes=[Scope.CASES_READ])
    if name == "service_all":
        return bearer(Role.SERVICE, "svc-admin", scopes=[scope.value for scope in Scope])
    raise ValueError(name)


class EmptyContext:
    def customer_context(
        self, customer_id: str, *, limit: int, order_id: str | None = None
    ) -> CustomerContext:
        return CustomerContext(customer_id=customer_id, orders=[], account_alerts=[])


@dataclass
class World:
    client: TestClient
    # mine: cust-1's case assigned to agent-1; theirs: cust-2's, assigned to agent-2;
    # free: cust-1's, unassigned.
    cases: dict[str, str]

    def as_(self, caller: str, method: str, url: str, **kwargs: Any) -> Any:
        return self.client.request(method, url, headers=caller_headers(caller), **kwargs)


def open_case(client: TestClient, customer_id: str, subject: str, assignee: str | None) -> str:
    headers = bearer(Role.SUPERVISOR, "setup")
    response = client.post(
        "/support/cases",
        json={"customer_id": customer_id, "subject": subject, "description": "details"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    case_id: str = response.json()["id"]
    if assignee is not None:
        assigned = client.put(
            f"/support/cases/{case_id}/assignee", json={"agent_id": assignee}, headers=headers
        )
        assert assigned.status_code == 200, assigned.text
    return case_id


@pytest.fixture
def world(memory_desk: SupportDesk) -> Iterator[World]:
    app = create_app(
        memory_desk,
        customer_context=EmptyContext(),
        authentication=unlimited(),
        erasure=erasure_for(memory_desk, lambda: datetime.now(UTC)),
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        cases = {
            "mine": open_case(client, "cust-1", "Mine", "agent-1"),
            "theirs": open_case(client, "cust-2", "Theirs", "agent-2"),
            "free": open_case(client, "cust-1", "Free", None),
        }
        yield World(client, cases)
