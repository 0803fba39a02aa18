"""The query side's HTTP contract on the in-memory event store: every bad parameter is a
422 naming it, cursors are opaque and bound to their query, fields= trims items."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fixtures.api_calls import assert_problem, open_case


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "opened"}, "query.status"),
        ({"status": "open,bogus"}, "query.status"),
        ({"priority": "critical"}, "query.priority"),
        ({"channel": "pigeon"}, "query.channel"),
        ({"sort": "subject"}, "query.sort"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 101}, "query.limit"),
        ({"limit": "ten"}, "query.limit"),
        ({"unassigned": "perhaps"}, "query.unassigned"),
        ({"created_after": "yesterday"}, "query.created_after"),
        ({"created_after": "2026-01-01T00:00:00"}, "query.created_after"),  # no offset
        (
            {"created_after": "2026-02-01T00:00:00Z", "created_before": "2026-01-01T00:00:00Z"},
            "query.created_before",
        ),
        ({"updated_before": "2026-13-01T00:00:00Z"}, "query.updated_before"),
        ({"q": "x" * 501}, "query.q"),
        ({"q": ""}, "query.q"),
        ({"tag": "t" * 51}, "query.tag.0"),
        ({"customer_id": "c" * 129}, "query.customer_id"),
        ({"agent_id": "a", "unassigned": "true"}, "query.unassigned"),
        ({"fields": "subject,password"}, "query.fields"),
        ({"fields": ","}, "query.fields"),
        ({"cursor": "not-a-cursor"}, "query.cursor"),
        ({"cursor": "eyJ2IjoxfQ"}, "query.cursor"),  # {"v":1}: not one we issued
        ({"cursor": "x" * 3000}, "query.cursor"),
        ({"min_position": -1}, "query.min_position"),
    ],
)
def test_bad_list_parameters_are_named_in_a_422(
    api: TestClient, params: dict[str, Any], field: str
) -> None:
    assert_problem(api.get("/support/cases", params=params), 422, field)


def test_a_bad_position_header_is_named(api: TestClient) -> None:
    response = api.get("/support/cases", headers={"X-Casetrail-Min-Position": "soon"})
    assert_problem(response, 422, "header.X-Casetrail-Min-Position")


def test_a_cursor_only_works_for_the_query_that_made_it(api: TestClient) -> None:
    for _ in range(3):
        open_case(api)
    page = api.get("/support/cases", params={"limit": 1, "status": "open"}).json()
    assert page["next_cursor"]
    again = api.get(
        "/support/cases", params={"limit": 1, "status": "open", "cursor": page["next_cursor"]}
    )
    assert again.status_code == 200
    problem = assert_problem(
        api.get("/support/cases", params={"limit": 1, "cursor": page["next_cursor"]}),
        422,
        "query.cursor",
    )
    assert "another query" in problem["detail"]
    assert_problem(
        api.get("/support/cases", params={"sort": "priority", "cursor": page["next_cursor"]}),
        422,
        "query.cursor",
    )
    # A cursor tampered with into nonsense is refused, never a 500.
    tampered = page["next_cursor"][:-4] + "AAAA"
    assert api.get("/support/cases", params={"cursor": tampered}).status_code == 422


def test_pages_cover_every_case_once(api: TestClient) -> None:
    opened = {open_case(api, priority=priority)["id"] for priority in ["low", "urgent"] * 4}
    for sort in ["-created_at", "created_at", "-updated_at", "updated_at", "priority"]:
        seen: list[str] = []
        params: dict[str, Any] = {"limit": 3, "sort": sort}
        while True:
            page = api.get("/support/cases", params=params).json()
            seen += [item["id"] for item in page["items"]]
            if not page["next_cursor"]:
                break
            params["cursor"] = page["next_cursor"]
        assert sorted(seen) == sorted(opened), sort


def test_fields_trims_items_and_id_is_always_there(api: TestClient) -> None:
    open_case(api)
    items = api.get("/support/cases", params={"fields": "status, priority"}).json()["items"]
    assert items == [{"id": items[0]["id"], "status": "open", "priority": "high"}]


def test_a_list_item_carries_the_case_and_its_conversation_counts(api: TestClient) -> None:
    case = open_case(api)
    api.post(
        f"/support/cases/{case['id']}/messages",
        json={"body": "Hello"},
    )
    (item,) = api.get("/support/cases").json()["items"]
    full = api.get(f"/support/cases/{case['id']}").json()
    assert {key: item[key] for key in full} == full
    assert (item["message_count"], item["waiting_since"]) == (1, None)
    assert item["first_response_at"] is not None


def test_message_pages_and_their_cursor(api: TestClient) -> None:
    case_url = f"/support/cases/{open_case(api)['id']}"
    for n in range(3):
        api.post(
            f"{case_url}/messages",
            json={"body": f"{n}"},
        )
    first = api.get(f"{case_url}/messages", params={"limit": 2}).json()
    rest = api.get(f"{case_url}/messages", params={"cursor": first["next_cursor"]}).json()
    assert [m["body"] for m in first["items"] + rest["items"]] == ["0", "1", "2"]
    other_case = f"/support/cases/{open_case(api)['id']}"
    assert_problem(
        api.get(f"{other_case}/messages", params={"cursor": first["next_cursor"]}),
        422,
        "query.cursor",
    )
    assert_problem(api.get(f"{case_url}/messages", params={"limit": 101}), 422, "query.limit")


def test_workload_and_customer_history_parameters(api: TestClient) -> None:
    assert_problem(
        api.get("/support/agents/a-1/workload", params={"timezone": "Mars/Olympus"}),
        422,
        "query.timezone",
    )
    assert_problem(
        api.get("/support/agents/a-1/workload", params={"timezone": "../../etc/passwd"}),
        422,
        "query.timezone",
    )
    assert_problem(api.get(f"/support/agents/{'a' * 129}/workload"), 422, "path.agent_id")
    assert_problem(
        api.get("/support/customers/c-1/cases", params={"status": "nope"}), 422, "query.status"
    )
    case = open_case(api, customer_id="c-1")
    api.put(f"/support/cases/{case['id']}/assignee", json={"agent_id": "a-1"})
    history = api.get("/support/customers/c-1/cases").json()
    assert [item["id"] for item in history["items"]] == [case["id"]]
    workload = api.get("/support/agents/a-1/workload").json()
    assert workload["open"]["high"] == 1
    assert workload["assigned_today"] == 1
    assert workload["oldest_waiting"]["id"] == case["id"]
    assert workload["capacity_used"] == pytest.approx(1 / workload["capacity"])
