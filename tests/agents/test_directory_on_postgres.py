"""The directory's read model on real PostgreSQL, as ``casetrail serve`` wires it: lists and
filters, each agent's capacity in the workload, a department's cases and the case list's
department filter, read-your-writes with the command's position."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from casetrail.agents.projections.read_model import PostgresDirectory
from casetrail.bootstrap.read_side import ReadSide
from casetrail.bootstrap.roles.api import ApiDependencies, build_api_app
from casetrail.cases.api.query_deps import ReadOptions
from casetrail.cases.service.desk import SupportDesk
from tests.fixtures.auth import supervisor_headers, unlimited


@pytest.fixture
def api(
    postgres_desk: SupportDesk, read_side: ReadSide, metrics_registry: CollectorRegistry
) -> Iterator[TestClient]:
    reader = PostgresDirectory(read_side.database.datastore(pool_size=1))
    app = build_api_app(
        ApiDependencies(
            postgres_desk,
            read_model=read_side.read_model,
            read_options=ReadOptions(max_wait_seconds=10.0, agent_capacity=10),
            directory_reader=reader,
            metrics_registry=metrics_registry,
            authentication=unlimited(),
        )
    )
    with TestClient(app, raise_server_exceptions=False, headers=supervisor_headers()) as client:
        yield client
    reader.close()


def fresh(response: Any) -> dict[str, str]:
    """Headers that make a query wait for the command's position."""
    return {"X-Casetrail-Min-Position": response.headers["X-Casetrail-Position"]}


def test_the_directory_lists_and_filters_from_postgresql(api: TestClient) -> None:
    billing = api.post("/support/departments", json={"name": "Billing"})
    returns = api.post("/support/departments", json={"name": "Returns"})
    billing_id, returns_id = billing.json()["id"], returns.json()["id"]
    for agent_id, departments, skills in (
        ("agent-a", [billing_id], ["refunds"]),
        ("agent-b", [billing_id, returns_id], ["refunds", "french"]),
        ("agent-c", [returns_id], []),
    ):
        api.post(
            "/support/agents",
            json={
                "id": agent_id,
                "name": agent_id,
                "email": f"{agent_id}@example.com",
                "capacity": 2,
                "department_ids": departments,
                "skills": skills,
            },
        )
    last = api.post("/support/agents/agent-b/login")

    def ids(**params: Any) -> list[str]:
        page = api.get("/support/agents", params=params, headers=fresh(last))
        assert page.headers.get("X-Casetrail-Stale") is None
        return [item["id"] for item in page.json()["items"]]

    assert ids() == ["agent-a", "agent-b", "agent-c"]
    assert ids(department_id=returns_id) == ["agent-b", "agent-c"]
    assert ids(skill="refunds", status="offline") == ["agent-a"]
    assert ids(status="online") == ["agent-b"]
    page = api.get("/support/agents", params={"limit": 2}).json()
    more = api.get("/support/agents", params={"limit": 2, "cursor": page["next_cursor"]})
    assert [item["id"] for item in more.json()["items"]] == ["agent-c"]
    names = api.get("/support/departments", headers=fresh(last)).json()["items"]
    assert [item["name"] for item in names] == ["Billing", "Returns"]
    available = api.get("/support/agents/available", headers=fresh(last)).json()["items"]
    assert [(item["id"], item["free_capacity"]) for item in available] == [("agent-b", 2)]


def test_routing_workload_and_department_cases_from_postgresql(api: TestClient) -> None:
    billing_id = api.post("/support/departments", json={"name": "Billing"}).json()["id"]
    registered = api.post(
        "/support/agents",
        json={"id": "agent-a", "name": "A", "email": "a@example.com", "capacity": 4},
    )
    assert api.get("/support/agents", headers=fresh(registered)).json()["items"]
    case_id = api.post("/support/cases", json={"customer_id": "c1", "subject": "Invoice"}).json()[
        "id"
    ]
    api.put(f"/support/cases/{case_id}/assignee", json={"agent_id": "agent-a"})
    routed = api.post(
        f"/support/cases/{case_id}/route",
        json={"department_id": billing_id, "reason": "billing question"},
    )
    assert routed.status_code == 200
    cases = api.get(f"/support/departments/{billing_id}/cases", headers=fresh(routed)).json()
    assert [item["id"] for item in cases["items"]] == [case_id]
    assert cases["items"][0]["department_id"] == billing_id
    listed = api.get("/support/cases", params={"department_id": billing_id}).json()["items"]
    assert [item["id"] for item in listed] == [case_id]
    workload = api.get("/support/agents/agent-a/workload").json()
    assert (workload["capacity"], workload["capacity_used"]) == (4, 0.25)
    queue = api.get("/support/agents/agent-a/queue").json()
    assert [item["id"] for item in queue["items"]] == [case_id]
