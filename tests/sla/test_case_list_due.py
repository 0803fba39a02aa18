"""The case list shows each case's earliest running SLA deadline (``sla_due_at``) and sorts
by it (``sort=sla_due``: soonest first, cases without one last) — the agent's queue."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from casetrail.cases.service.desk import SupportDesk
from casetrail.platform.http.principals import Role
from tests.fixtures.auth import bearer
from tests.fixtures.sla import created, office_policy
from tests.fixtures.sla_postgres import follow_clocks

MONDAY_1000_BERLIN = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def open_case(client: TestClient, priority: str) -> str:
    body = {"customer_id": "cust-1", "subject": priority, "priority": priority}
    return str(created(client.post("/support/cases", json=body))["id"])


def test_the_soonest_deadline_comes_first_and_cases_without_one_last(sla_api: TestClient) -> None:
    office_policy(
        sla_api,
        targets={"first_response": {"urgent": "PT1H", "high": "PT4H"}},
    )
    low = open_case(sla_api, "low")  # no target for low: no deadline
    high = open_case(sla_api, "high")
    urgent = open_case(sla_api, "urgent")

    page = sla_api.get("/support/cases", params={"sort": "sla_due", "limit": 2}).json()
    assert [item["id"] for item in page["items"]] == [urgent, high]
    assert datetime.fromisoformat(page["items"][0]["sla_due_at"]) == MONDAY_1000_BERLIN - (
        timedelta(minutes=30)
    )
    rest = sla_api.get(
        "/support/cases", params={"sort": "sla_due", "limit": 2, "cursor": page["next_cursor"]}
    ).json()
    assert [item["id"] for item in rest["items"]] == [low]
    assert rest["items"][0]["sla_due_at"] is None

    newest = sla_api.get("/support/cases", params={"fields": "sla_due_at"}).json()["items"]
    assert {item["id"]: item["sla_due_at"] is not None for item in newest} == {
        urgent: True,
        high: True,
        low: False,
    }


def test_customers_do_not_see_deadlines(sla_api: TestClient) -> None:
    office_policy(sla_api)
    open_case(sla_api, "urgent")
    items = sla_api.get("/support/cases", headers=bearer(Role.CUSTOMER, "cust-1")).json()["items"]
    assert [item["sla_due_at"] for item in items] == [None]


def test_on_postgresql_the_list_joins_the_subscribers_deadlines(
    projected_api: TestClient, postgres_desk: SupportDesk, database_url: str
) -> None:
    created(
        projected_api.post(
            "/support/sla/policies",
            json={
                "name": "24/7",
                "position": 1,
                "targets": {"first_response": {"urgent": "PT1H", "high": "PT4H"}},
            },
        )
    )
    low, high, urgent = (open_case(projected_api, p) for p in ("low", "high", "urgent"))
    follow_clocks(postgres_desk, database_url)

    deadline = time.monotonic() + 30
    while True:
        items = projected_api.get("/support/cases", params={"sort": "sla_due"}).json()["items"]
        if len(items) == 3 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [item["id"] for item in items] == [urgent, high, low]
    assert [item["sla_due_at"] is not None for item in items] == [True, True, False]
    page = projected_api.get("/support/cases", params={"sort": "sla_due", "limit": 1}).json()
    rest = projected_api.get(
        "/support/cases", params={"sort": "sla_due", "cursor": page["next_cursor"]}
    ).json()["items"]
    assert [item["id"] for item in rest] == [high, low]
    filtered = projected_api.get(
        "/support/cases",
        params={
            "sort": "sla_due",
            "status": "open",
            "priority": "urgent,low",
            "customer_id": "cust-1",
            "q": "urgent",
            "unassigned": "true",
            "created_after": "2000-01-01T00:00:00Z",
        },
    )
    assert filtered.status_code == 200, filtered.text
    assert [item["id"] for item in filtered.json()["items"]] == [urgent]


def test_an_agents_queue_puts_the_nearest_deadline_first(sla_api: TestClient) -> None:
    office_policy(sla_api, targets={"first_response": {"urgent": "PT1H", "high": "PT4H"}})
    agent = {"id": "agent-q", "name": "Quinn", "email": "quinn@example.com", "capacity": 5}
    assert sla_api.post("/support/agents", json=agent).status_code == 201
    low, high, urgent = (open_case(sla_api, p) for p in ("low", "high", "urgent"))
    for case_id in (urgent, low, high):
        assigned = sla_api.put(f"/support/cases/{case_id}/assignee", json={"agent_id": "agent-q"})
        assert assigned.status_code == 200, assigned.text

    queue = sla_api.get("/support/agents/agent-q/queue").json()["items"]
    assert [item["id"] for item in queue] == [urgent, high, low]
    assert [item["sla_due_at"] is not None for item in queue] == [True, True, False]
