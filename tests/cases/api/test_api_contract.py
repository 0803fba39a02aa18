"""The HTTP contract: status codes, headers and problem+json for every kind of bad input."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from casetrail.platform.http.principals import Role
from tests.fixtures.api_calls import VALID_CASE, assert_problem, open_case
from tests.fixtures.auth import bearer


def test_opening_a_case_answers_201_with_number_status_version_and_location(
    api: TestClient,
) -> None:
    response = api.post("/support/cases", json=VALID_CASE)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "open"
    assert body["version"] == 1
    assert body["case_number"].startswith("CS-")
    assert response.headers["location"] == f"/support/cases/{body['id']}"
    assert response.headers["etag"] == '"1"'
    case = api.get(response.headers["location"]).json()
    assert {key: case[key] for key in VALID_CASE} == VALID_CASE


def test_defaults_apply_when_optional_fields_are_left_out(api: TestClient) -> None:
    response = api.post("/support/cases", json={"customer_id": "c", "subject": "Hi"})
    assert response.status_code == 201
    case = api.get(f"/support/cases/{response.json()['id']}").json()
    assert (case["priority"], case["channel"], case["tags"]) == ("medium", "web", [])


BAD_CASES = [
    ({"customer_id": None}, "body.customer_id"),
    ({"customer_id": ""}, "body.customer_id"),
    ({"customer_id": 12}, "body.customer_id"),
    ({"customer_id": "x" * 129}, "body.customer_id"),
    ({"subject": ""}, "body.subject"),
    ({"subject": "s" * 256}, "body.subject"),
    ({"subject": ["a"]}, "body.subject"),
    ({"description": "d" * 65_537}, "body.description"),
    ({"priority": "critical"}, "body.priority"),
    ({"priority": 3}, "body.priority"),
    ({"channel": "pigeon"}, "body.channel"),
    ({"tags": "vip"}, "body.tags"),
    ({"tags": ["has space"]}, "body.tags.0"),
    ({"tags": [f"t{n}" for n in range(21)]}, "body.tags"),
    ({"order_id": ""}, "body.order_id"),
    ({"external_ref": "e" * 256}, "body.external_ref"),
    ({"unexpected": True}, "body.unexpected"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CASES)
def test_bad_case_fields_are_named_in_a_422(
    api: TestClient, change: dict[str, Any], field: str
) -> None:
    body = {**VALID_CASE, **change}
    if change.get("customer_id", "") is None:
        del body["customer_id"]
    assert_problem(api.post("/support/cases", json=body), 422, field)


def test_a_missing_field_is_named(api: TestClient) -> None:
    assert_problem(api.post("/support/cases", json={"subject": "x"}), 422, "body.customer_id")


@pytest.mark.parametrize(
    "payload",
    [b"{not json", b"", b"[1, 2", b'{"customer_id": "c", "subject": "s",}', b"\xff\xfe"],
)
def test_malformed_json_is_a_400(api: TestClient, payload: bytes) -> None:
    response = api.post(
        "/support/cases", content=payload, headers={"content-type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("application/problem+json")
    if payload.startswith(b"{not"):
        assert response.status_code == 400


def test_a_json_value_that_is_not_an_object_is_a_422(api: TestClient) -> None:
    assert_problem(api.post("/support/cases", json=[1, 2, 3]), 422)


def test_an_oversize_body_is_a_413(api: TestClient) -> None:
    response = api.post(
        "/support/cases",
        content=b'{"subject": "' + b"x" * 300_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 413)


def test_unknown_and_malformed_case_ids(api: TestClient) -> None:
    assert_problem(api.get(f"/support/cases/{uuid4()}"), 404)
    assert_problem(api.get(f"/support/cases/{uuid4()}/history"), 404)
    assert_problem(
        api.post(
            f"/support/cases/{uuid4()}/messages",
            json={"body": "x"},
        ),
        404,
    )
    assert_problem(api.get("/support/cases/not-a-uuid"), 422, "path.case_id")
    assert_problem(
        api.post("/support/cases/123/status", json={"status": "open"}), 422, "path.case_id"
    )


def test_unknown_routes_and_methods_are_problems(api: TestClient) -> None:
    assert_problem(api.get("/nowhere"), 404)
    assert_problem(api.delete("/support/cases"), 405)


BAD_MESSAGES = [
    ({"author_type": "ROBOT"}, "body.author_type"),
    ({"author_id": "a" * 129}, "body.author_id"),
    ({"author_id": ""}, "body.author_id"),
    ({"body": ""}, "body.body"),
    ({"body": "b" * 65_537}, "body.body"),
    ({"attachment_uri": "not a uri"}, "body.attachment_uri"),
    ({"internal": "maybe"}, "body.internal"),
]


@pytest.mark.parametrize(("change", "field"), BAD_MESSAGES)
def test_bad_message_fields_are_named_in_a_422(
    api: TestClient, change: dict[str, Any], field: str
) -> None:
    case = open_case(api)
    body = {"author_type": "CUSTOMER", "author_id": "cust-1", "body": "hello", **change}
    assert_problem(api.post(f"/support/cases/{case['id']}/messages", json=body), 422, field)


def test_posting_a_message_answers_201_with_id_and_position(api: TestClient) -> None:
    case = open_case(api)
    url = f"/support/cases/{case['id']}/messages"
    first = api.post(
        url,
        json={
            "author_type": "CUSTOMER",
            "author_id": "cust-1",
            "body": "Hi",
            "attachment_uri": "https://files.example.com/a.png",
        },
        headers=bearer(Role.CUSTOMER, "cust-1"),
    )
    note = api.post(url, json={"body": "Note", "internal": True})
    assert (first.status_code, note.status_code) == (201, 201)
    assert (first.json()["position"], note.json()["position"]) == (1, 2)
    messages = api.get(url).json()["items"]
    assert [(m["body"], m["internal"]) for m in messages] == [("Hi", False), ("Note", True)]
    assert messages[0]["attachment_uri"] == "https://files.example.com/a.png"


@pytest.mark.parametrize(
    ("path", "body", "expect"),
    [
        ("status", {"status": "pending_customer"}, ("status", "pending_customer")),
        ("priority", {"priority": "urgent"}, ("priority", "urgent")),
        ("escalations", {"reason": "VIP"}, ("escalation_level", 1)),
        ("tags", {"tags": ["Refund"]}, ("tags", ["refund", "shipping"])),
    ],
)
def test_state_change_commands(
    api: TestClient, path: str, body: dict[str, Any], expect: tuple[str, Any]
) -> None:
    case = open_case(api)
    response = api.post(f"/support/cases/{case['id']}/{path}", json=body)
    assert response.status_code == 200, response.text
    assert response.json()[expect[0]] == expect[1]
    assert response.headers["etag"] == '"2"'


def test_assign_transfer_unassign_and_untag(api: TestClient) -> None:
    case_url = f"/support/cases/{open_case(api)['id']}"
    assert api.put(f"{case_url}/assignee", json={"agent_id": "a-1"}).json()["assignee_id"] == "a-1"
    moved = api.put(f"{case_url}/assignee", json={"agent_id": "a-2", "reason": "transfer"})
    assert moved.json()["assignee_id"] == "a-2"
    assert api.delete(f"{case_url}/assignee").json()["assignee_id"] is None
    assert api.delete(f"{case_url}/tags/shipping").json()["tags"] == []
    assert_problem(
        api.put(f"{case_url}/assignee", json={"agent_id": "a", "reason": "whim"}),
        422,
        "body.reason",
    )


def test_an_invalid_transition_is_a_409_naming_the_current_state(api: TestClient) -> None:
    case = open_case(api)
    problem = assert_problem(
        api.post(f"/support/cases/{case['id']}/status", json={"status": "closed"}), 409
    )
    assert problem["current_status"] == "open"
    assert "open" in problem["detail"]
    assert "closed" in problem["detail"]


def test_if_match_guards_against_lost_updates(api: TestClient) -> None:
    url = f"/support/cases/{open_case(api)['id']}/priority"
    ok = api.post(url, json={"priority": "low"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200
    stale = assert_problem(
        api.post(url, json={"priority": "urgent"}, headers={"If-Match": '"1"'}), 409
    )
    assert stale["current_version"] == 2
    assert_problem(api.post(url, json={"priority": "urgent"}, headers={"If-Match": "banana"}), 400)


def test_idempotency_key_replays_and_refuses_a_different_body(api: TestClient) -> None:
    headers = {"Idempotency-Key": "order-42-complaint"}
    first = api.post("/support/cases", json=VALID_CASE, headers=headers)
    again = api.post("/support/cases", json=VALID_CASE, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = api.post("/support/cases", json={**VALID_CASE, "subject": "Other"}, headers=headers)
    assert_problem(other, 422)
    assert_problem(
        api.post("/support/cases", json=VALID_CASE, headers={"Idempotency-Key": ""}), 422
    )


def test_time_travel_and_bad_times(api: TestClient) -> None:
    case = open_case(api)
    url = f"/support/cases/{case['id']}"
    api.post(f"{url}/priority", json={"priority": "low"})
    created = api.get(url).json()["created_at"]
    assert api.get(url, params={"as_of": created}).json()["priority"] == "high"
    before = assert_problem(api.get(url, params={"as_of": "2000-01-01T00:00:00Z"}), 404)
    assert "did not exist yet at 2000-01-01T00:00:00+00:00" in before["detail"]
    assert "no case with id" in assert_problem(api.get(f"/support/cases/{uuid4()}"), 404)["detail"]
    assert_problem(api.get(url, params={"as_of": "yesterday"}), 422, "query.as_of")
    assert_problem(api.get(url, params={"as_of": "2026-01-01T00:00:00"}), 422, "query.as_of")


def test_history_is_the_audit_trail(api: TestClient) -> None:
    case = open_case(api)
    url = f"/support/cases/{case['id']}"
    api.post(f"{url}/status", json={"status": "on_hold", "reason": "waiting for carrier"})
    api.post(f"{url}/messages", json={"body": "Chasing"})
    items = api.get(f"{url}/history").json()["items"]
    assert [item["type"] for item in items] == [
        "Opened",
        "StatusChanged",
        "Started",
        "MessagePosted",
    ]
    assert items[1]["data"] == {
        "from_status": "open",
        "to_status": "on_hold",
        "reason": "waiting for carrier",
    }
    # The actor comes from the access token the contract tests send.
    assert items[1]["actor"] == {"subject": "supervisor-1", "role": "SUPERVISOR"}


def test_operations_endpoints(api: TestClient) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    assert api.get("/readyz").status_code == 200
    assert api.get("/openapi.json").json()["paths"]["/support/cases"]
    assert api.get("/docs").status_code == 200
    api.get("/healthz")
    assert "casetrail_http_requests_total" in api.get("/metrics").text
