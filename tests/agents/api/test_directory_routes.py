"""The directory's routes over the in-memory event store: agents, presence, departments,
queues, routing, and the problems bad input gets."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from casetrail.platform.http.principals import Role
from tests.fixtures.auth import bearer

ANA = bearer(Role.AGENT, "agent-ana")
ANALYST = bearer(Role.ANALYST, "analyst-1")


def department(api: TestClient, name: str = "Billing") -> str:
    response = api.post("/support/departments", json={"name": name})
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/support/departments/{response.json()['id']}"
    department_id: str = response.json()["id"]
    return department_id


def register(api: TestClient, agent_id: str = "agent-ana", **fields: Any) -> dict[str, Any]:
    body = {
        "id": agent_id,
        "name": agent_id.removeprefix("agent-").title(),
        "email": f"{agent_id}@example.com",
        "capacity": 5,
        "seniority": "senior",
        **fields,
    }
    response = api.post("/support/agents", json=body)
    assert response.status_code == 201, response.text
    agent: dict[str, Any] = response.json()
    return agent


def open_case(api: TestClient, assignee: str | None = None, subject: str = "Help") -> str:
    case_id: str = api.post(
        "/support/cases", json={"customer_id": "c1", "subject": subject}
    ).json()["id"]
    if assignee is not None:
        assert (
            api.put(f"/support/cases/{case_id}/assignee", json={"agent_id": assignee}).status_code
            == 200
        )
    return case_id


def problem_fields(response: Any) -> list[str]:
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json().get("errors", [])]


def test_an_agent_registered_with_the_issues_example_reads_back_offline(api: TestClient) -> None:
    billing = department(api)
    agent = register(api, department_ids=[billing], skills=["billing"], roles=["agent"], capacity=5)
    assert agent["status"] == "offline"
    assert agent["department_ids"] == [billing]
    got = api.get("/support/agents/agent-ana")
    assert got.status_code == 200
    assert got.headers["ETag"] == '"1"'
    assert got.json() == agent


def test_an_agent_without_an_id_gets_one(api: TestClient) -> None:
    response = api.post(
        "/support/agents", json={"name": "Bo", "email": "bo@example.com", "capacity": 2}
    )
    assert response.status_code == 201
    agent_id = response.json()["id"]
    assert agent_id.startswith("agent-")
    assert api.get(f"/support/agents/{agent_id}").json()["name"] == "Bo"


def test_registering_an_id_twice_is_a_conflict(api: TestClient) -> None:
    register(api)
    again = api.post(
        "/support/agents",
        json={"id": "agent-ana", "name": "Ana", "email": "ana@example.com", "capacity": 1},
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("agent-exists")


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"capacity": 0}, "body.capacity"),
        ({"capacity": -3}, "body.capacity"),
        ({"email": "not-an-email"}, "body.email"),
        ({"seniority": "principal"}, "body.seniority"),
        ({"department_ids": ["no-such-department"]}, "body.department_ids"),
    ],
)
def test_bad_agent_input_is_a_problem_naming_the_field(
    api: TestClient, fields: dict[str, Any], named: str
) -> None:
    body = {"id": "agent-x", "name": "X", "email": "x@example.com", "capacity": 2, **fields}
    response = api.post("/support/agents", json=body)
    assert response.status_code == 422
    assert named in problem_fields(response)
    assert api.get("/support/agents/agent-x").status_code == 404


def test_a_patch_changes_what_it_names_with_if_match_and_keeps_an_audit_trail(
    api: TestClient,
) -> None:
    billing = department(api)
    register(api)
    changed = api.patch(
        "/support/agents/agent-ana",
        json={"capacity": 8, "department_ids": [billing]},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200
    assert (changed.json()["capacity"], changed.json()["department_ids"]) == (8, [billing])
    assert changed.json()["name"] == "Ana"
    stale = api.patch(
        "/support/agents/agent-ana", json={"capacity": 9}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    for body, field in (
        ({"capacity": 0}, "body.capacity"),
        ({"email": "x@"}, "body.email"),
        ({"department_ids": ["nope"]}, "body.department_ids"),
        ({"name": None}, "body.name"),
    ):
        refused = api.patch("/support/agents/agent-ana", json=body)
        assert refused.status_code == 422, body
        assert field in problem_fields(refused)
    history = api.get("/support/agents/agent-ana/history").json()["items"]
    assert [entry["type"] for entry in history] == ["Registered", "ProfileChanged"]
    assert history[1]["data"]["changes"] == {"capacity": 8, "department_ids": [billing]}
    assert history[1]["actor"] == {"subject": "supervisor-1", "role": "SUPERVISOR"}


def test_as_of_shows_the_agent_as_the_directory_had_them(api: TestClient) -> None:
    register(api)
    before = api.get("/support/agents/agent-ana").json()["updated_at"]
    api.patch("/support/agents/agent-ana", json={"capacity": 9})
    then = api.get("/support/agents/agent-ana", params={"as_of": before}).json()
    assert then["capacity"] == 5
    assert api.get("/support/agents/agent-ana").json()["capacity"] == 9
    early = api.get("/support/agents/agent-ana", params={"as_of": "2000-01-01T00:00:00Z"})
    assert early.status_code == 404


def test_the_list_filters_by_department_skill_and_status_in_cursor_pages(
    api: TestClient,
) -> None:
    billing, returns = department(api, "Billing"), department(api, "Returns")
    register(api, "agent-a", department_ids=[billing], skills=["refunds"])
    register(api, "agent-b", department_ids=[billing, returns], skills=["Refunds", "fr"])
    register(api, "agent-c", department_ids=[returns])
    api.put("/support/agents/agent-b/status", json={"status": "busy"})

    def ids(**params: Any) -> list[str]:
        return [item["id"] for item in api.get("/support/agents", params=params).json()["items"]]

    assert ids() == ["agent-a", "agent-b", "agent-c"]
    assert ids(department_id=billing) == ["agent-a", "agent-b"]
    assert ids(skill="refunds") == ["agent-a", "agent-b"]
    assert ids(status="busy") == ["agent-b"]
    assert ids(status=["offline"], department_id=returns) == ["agent-c"]
    first = api.get("/support/agents", params={"limit": 2}).json()
    assert [item["id"] for item in first["items"]] == ["agent-a", "agent-b"]
    second = api.get("/support/agents", params={"limit": 2, "cursor": first["next_cursor"]})
    assert [item["id"] for item in second.json()["items"]] == ["agent-c"]
    assert second.json()["next_cursor"] is None
    foreign = api.get("/support/agents", params={"cursor": first["next_cursor"], "skill": "fr"})
    assert foreign.status_code == 422
    assert "query.cursor" in problem_fields(foreign)
    assert api.get("/support/agents", params={"status": "away"}).status_code == 422


def test_an_agent_keeps_its_own_presence_and_only_its_own(api: TestClient) -> None:
    register(api)
    register(api, "agent-bo")
    online = api.put("/support/agents/agent-ana/status", json={"status": "online"}, headers=ANA)
    assert online.status_code == 200
    assert online.json()["status"] == "online"
    assert online.json()["presence_expires_at"] is not None
    assert online.headers["ETag"] == '"2"'
    other = api.put("/support/agents/agent-bo/status", json={"status": "online"}, headers=ANA)
    assert other.status_code == 403
    assert api.post("/support/agents/agent-bo/login", headers=ANA).status_code == 403
    assert api.post("/support/agents/agent-ana/heartbeat", headers=ANA).status_code == 200
    assert api.post("/support/agents/agent-ana/logout", headers=ANA).json()["status"] == "offline"
    refused = api.post("/support/agents/agent-ana/heartbeat", headers=ANA)
    assert refused.status_code == 409
    assert refused.json()["current_status"] == "offline"
    assert api.post("/support/agents/agent-ana/login", headers=ANA).json()["status"] == "online"
    # A supervisor may set anyone's presence, e.g. send someone offline.
    forced = api.put("/support/agents/agent-ana/status", json={"status": "offline"})
    assert forced.json()["status"] == "offline"
    history = api.get("/support/agents/agent-ana/history").json()["items"]
    causes = [entry["data"].get("cause") for entry in history if entry["type"] == "PresenceChanged"]
    assert causes == ["status", "logout", "login", "status"]
    bad = api.put("/support/agents/agent-ana/status", json={"status": "away"}, headers=ANA)
    assert bad.status_code == 422
    assert "body.status" in problem_fields(bad)
    assert api.post("/support/agents/agent-nobody/login").status_code == 404


def test_available_lists_online_agents_under_capacity_with_most_room_first(
    api: TestClient,
) -> None:
    register(api, "agent-a", capacity=1)
    register(api, "agent-b", capacity=3)
    register(api, "agent-c", capacity=3)
    register(api, "agent-d", capacity=3)
    for agent_id in ("agent-a", "agent-b", "agent-c"):
        api.post(f"/support/agents/{agent_id}/login")
    api.put("/support/agents/agent-c/status", json={"status": "busy"})
    open_case(api, "agent-a")  # agent-a is full
    open_case(api, "agent-b")
    items = api.get("/support/agents/available").json()["items"]
    assert [(item["id"], item["active_cases"], item["free_capacity"]) for item in items] == [
        ("agent-b", 1, 2)
    ]


def test_a_queue_lists_the_agents_active_cases_longest_waiting_first(api: TestClient) -> None:
    register(api)
    first = open_case(api, "agent-ana", "first")
    second = open_case(api, "agent-ana", "second")
    third = open_case(api, "agent-ana", "third")
    done = open_case(api, "agent-ana", "done")
    api.post(f"/support/cases/{done}/status", json={"status": "resolved"})
    # The first case is answered, so it waits for the customer: it goes last.
    api.post(f"/support/cases/{first}/messages", json={"body": "On it"}, headers=ANA)
    open_case(api, "agent-bo")
    queue = api.get("/support/agents/agent-ana/queue", headers=ANA)
    assert queue.status_code == 200
    assert queue.json()["capacity"] == 5
    assert [item["id"] for item in queue.json()["items"]] == [second, third, first]
    assert api.get("/support/agents/agent-bo/queue", headers=ANA).status_code == 403
    assert api.get("/support/agents/agent-nobody/queue").status_code == 404


def test_the_workload_counts_against_the_agents_own_capacity(api: TestClient) -> None:
    register(api, capacity=4)
    open_case(api, "agent-ana")
    workload = api.get("/support/agents/agent-ana/workload").json()
    assert (workload["capacity"], workload["capacity_used"]) == (4, 0.25)
    # An agent the directory does not know counts against the configured default.
    assert api.get("/support/agents/agent-unknown/workload").json()["capacity"] == 20


def test_departments_are_created_listed_changed_and_audited(api: TestClient) -> None:
    returns, billing = department(api, "Returns"), department(api, "Billing")
    listed = api.get("/support/departments", params={"limit": 1}).json()
    assert [item["name"] for item in listed["items"]] == ["Billing"]
    rest = api.get("/support/departments", params={"cursor": listed["next_cursor"]}).json()
    assert [item["id"] for item in rest["items"]] == [returns]
    changed = api.patch(
        f"/support/departments/{billing}", json={"description": "Invoices and refunds"}
    )
    assert changed.status_code == 200
    assert changed.json()["description"] == "Invoices and refunds"
    assert changed.headers["ETag"] == '"2"'
    history = api.get(f"/support/departments/{billing}/history").json()["items"]
    assert [entry["type"] for entry in history] == ["Created", "Changed"]
    assert api.get(f"/support/departments/{billing}").json()["version"] == 2
    created_at = history[0]["at"]
    assert (
        api.get(f"/support/departments/{billing}", params={"as_of": created_at}).json()[
            "description"
        ]
        == ""
    )
    missing = "00000000-0000-4000-8000-000000000000"
    assert api.get(f"/support/departments/{missing}").status_code == 404
    assert api.patch(f"/support/departments/{missing}", json={"name": "X"}).status_code == 404
    empty = api.post("/support/departments", json={"name": "  "})
    assert empty.status_code == 422
    assert "body.name" in problem_fields(empty)


def test_a_case_is_routed_and_its_routing_history_names_every_move(api: TestClient) -> None:
    billing, returns = department(api, "Billing"), department(api, "Returns")
    case_id = open_case(api)
    routed = api.post(
        f"/support/cases/{case_id}/route",
        json={"department_id": billing, "reason": "billing question"},
    )
    assert routed.status_code == 200
    assert routed.json()["department_id"] == billing
    api.post(
        f"/support/cases/{case_id}/route",
        json={"department_id": returns, "reason": "it is a return"},
        headers=ANA,
    )
    history = api.get(f"/support/cases/{case_id}/routing-history").json()
    assert history["department_id"] == returns
    assert [
        (item["from_department_id"], item["to_department_id"], item["reason"], item["by"])
        for item in history["items"]
    ] == [
        (None, billing, "billing question", {"subject": "supervisor-1", "role": "SUPERVISOR"}),
        (billing, returns, "it is a return", {"subject": "agent-ana", "role": "AGENT"}),
    ]
    case_history = api.get(f"/support/cases/{case_id}/history").json()["items"]
    assert [entry["type"] for entry in case_history].count("Routed") == 2


def test_routing_to_an_unknown_department_is_a_problem_naming_the_field(api: TestClient) -> None:
    case_id = open_case(api)
    for department_id in ("no-such-department", "00000000-0000-4000-8000-000000000000"):
        response = api.post(
            f"/support/cases/{case_id}/route",
            json={"department_id": department_id, "reason": "why not"},
        )
        assert response.status_code == 422
        assert problem_fields(response) == ["body.department_id"]
    missing_reason = api.post(
        f"/support/cases/{case_id}/route", json={"department_id": department(api)}
    )
    assert missing_reason.status_code == 422
    assert "body.reason" in problem_fields(missing_reason)
    assert api.get(f"/support/cases/{case_id}/routing-history").json()["items"] == []


def test_a_departments_cases_and_the_case_list_filter_by_department(api: TestClient) -> None:
    billing, returns = department(api, "Billing"), department(api, "Returns")
    billed = [open_case(api), open_case(api)]
    returned = open_case(api)
    open_case(api)  # never routed
    for case_id in billed:
        api.post(f"/support/cases/{case_id}/route", json={"department_id": billing, "reason": "b"})
    api.post(f"/support/cases/{returned}/route", json={"department_id": returns, "reason": "r"})
    page = api.get(f"/support/departments/{billing}/cases", params={"sort": "created_at"}).json()
    assert [item["id"] for item in page["items"]] == billed
    listed = api.get("/support/cases", params={"department_id": returns}).json()["items"]
    assert [item["id"] for item in listed] == [returned]
    assert listed[0]["department_id"] == returns
    missing = "00000000-0000-4000-8000-000000000000"
    assert api.get(f"/support/departments/{missing}/cases").status_code == 404


def test_analysts_read_the_directory_without_staff_e_mail_addresses(api: TestClient) -> None:
    register(api)
    api.patch("/support/agents/agent-ana", json={"email": "ana.lima@example.com"})
    agent = api.get("/support/agents/agent-ana", headers=ANALYST).json()
    assert agent["email"] == "[email]"
    listed = api.get("/support/agents", headers=ANALYST).json()["items"]
    assert listed[0]["email"] == "[email]"
    history = api.get("/support/agents/agent-ana/history", headers=ANALYST).json()["items"]
    assert "example.com" not in str(history)


def test_customers_see_nothing_of_the_directory(api: TestClient) -> None:
    register(api)
    customer = bearer(Role.CUSTOMER, "c1")
    for path in ("/support/agents", "/support/agents/agent-ana", "/support/departments"):
        response = api.get(path, headers=customer)
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"


def test_analysts_read_routing_reasons_masked(api: TestClient) -> None:
    billing = department(api)
    case_id = open_case(api)
    api.post(
        f"/support/cases/{case_id}/route",
        json={"department_id": billing, "reason": "jane@example.com asked about her invoice"},
    )
    [move] = api.get(f"/support/cases/{case_id}/routing-history", headers=ANALYST).json()["items"]
    assert move["reason"] == "[email] asked about her invoice"


def test_an_agent_id_cannot_be_a_route_under_support_agents(api: TestClient) -> None:
    response = api.post(
        "/support/agents",
        json={"id": "available", "name": "A", "email": "a@example.com", "capacity": 1},
    )
    assert response.status_code == 422
    assert "body.id" in problem_fields(response)


def test_a_retried_command_with_its_idempotency_key_answers_the_first_result(
    api: TestClient,
) -> None:
    key = {"Idempotency-Key": "create-billing-1"}
    first = api.post("/support/departments", json={"name": "Billing"}, headers=key)
    again = api.post("/support/departments", json={"name": "Billing"}, headers=key)
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(api.get("/support/departments").json()["items"]) == 1
    other = api.post("/support/departments", json={"name": "Returns"}, headers=key)
    assert other.status_code == 422


def test_a_fixed_path_under_agents_advertises_only_its_own_methods(api: TestClient) -> None:
    available = api.options("/support/agents/available")
    assert available.status_code == 405
    assert available.headers["Allow"] == "GET"
    agent = api.options("/support/agents/agent-ana")
    assert agent.headers["Allow"] == "GET, PATCH"
    assert api.options("/support/cases").headers["Allow"] == "GET, POST"
