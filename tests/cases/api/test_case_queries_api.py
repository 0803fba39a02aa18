"""Case queries over HTTP on a real PostgreSQL, served by the projections: every filter and
sort, cursor pages under concurrent inserts, partial responses, customer history, agent
workload, messages, read-your-writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casetrail.bootstrap.read_side import ReadSide
from casetrail.bootstrap.roles.api import ApiDependencies, build_api_app
from casetrail.cases.api.query_deps import ReadOptions
from casetrail.cases.service.desk import SupportDesk
from casetrail.platform.http.principals import Role
from casetrail.platform.http.read_your_writes import MIN_POSITION_HEADER, STALE_HEADER
from tests.fixtures.auth import bearer, supervisor_headers

pytestmark = pytest.mark.integration


class Client:
    """The API, remembering the position of the last command so that each query reads
    its writes."""

    def __init__(self, api: TestClient) -> None:
        self.api = api
        self.position = 0

    def command(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        response = self.api.request(method, url, **kwargs)
        assert response.status_code in (200, 201), response.text
        self.position = max(self.position, int(response.headers["x-casetrail-position"]))
        body: dict[str, Any] = response.json()
        return body

    def open(self, **fields: Any) -> str:
        body = {"customer_id": "cust-1", "subject": "Question", **fields}
        return str(self.command("POST", "/support/cases", json=body)["id"])

    def get(self, url: str, **params: Any) -> Any:
        response = self.api.get(
            url, params=params, headers={MIN_POSITION_HEADER: str(self.position)}
        )
        assert response.status_code == 200, response.text
        assert STALE_HEADER.lower() not in response.headers
        return response.json()

    def ids(self, url: str = "/support/cases", **params: Any) -> list[str]:
        return [item["id"] for item in self.get(url, limit=100, **params)["items"]]


@pytest.fixture
def client(projected_api: TestClient) -> Client:
    return Client(projected_api)


@pytest.fixture
def catalogue(client: Client) -> dict[str, str]:
    """A small, varied set of cases, by nickname."""
    cases = {
        "parcel": client.open(
            customer_id="cust-1",
            subject="Parcel never arrived",
            description="Courier lost it",
            priority="high",
            channel="email",
            tags=["shipping", "vip"],
        ),
        "refund": client.open(
            customer_id="cust-2",
            subject="Refund please",
            description="Item arrived broken",
            priority="urgent",
            channel="chat",
            tags=["refund"],
        ),
        "login": client.open(
            customer_id="cust-1",
            subject="Cannot log in",
            description="Password reset fails",
            priority="low",
            channel="web",
        ),
        "invoice": client.open(
            customer_id="cust-3",
            subject="Invoice address",
            description="Wrong postcode",
            priority="medium",
            channel="email",
            tags=["billing"],
        ),
        "damaged": client.open(
            customer_id="cust-2",
            subject="Damaged parcels",
            description="Box crushed",
            priority="urgent",
            channel="phone",
            tags=["shipping"],
        ),
    }
    client.command(
        "PUT", f"/support/cases/{cases['parcel']}/assignee", json={"agent_id": "agent-a"}
    )
    client.command(
        "PUT", f"/support/cases/{cases['refund']}/assignee", json={"agent_id": "agent-a"}
    )
    client.command(
        "PUT", f"/support/cases/{cases['invoice']}/assignee", json={"agent_id": "agent-b"}
    )
    client.command(
        "POST", f"/support/cases/{cases['refund']}/status", json={"status": "pending_customer"}
    )
    client.command("POST", f"/support/cases/{cases['invoice']}/status", json={"status": "resolved"})
    client.command("POST", f"/support/cases/{cases['login']}/priority", json={"priority": "high"})
    return cases


def names(catalogue: dict[str, str], ids: list[str]) -> list[str]:
    by_id = {case_id: name for name, case_id in catalogue.items()}
    return [by_id[case_id] for case_id in ids]


NEWEST_FIRST = ["damaged", "invoice", "login", "refund", "parcel"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, NEWEST_FIRST),
        ({"status": "open"}, ["damaged", "login", "parcel"]),
        ({"status": ["pending_customer", "resolved"]}, ["invoice", "refund"]),
        ({"status": "pending_customer,resolved"}, ["invoice", "refund"]),
        ({"priority": "urgent"}, ["damaged", "refund"]),
        ({"priority": "high,low"}, ["login", "parcel"]),
        ({"customer_id": "cust-2"}, ["damaged", "refund"]),
        ({"agent_id": "agent-a"}, ["refund", "parcel"]),
        ({"unassigned": "true"}, ["damaged", "login"]),
        ({"tag": "shipping"}, ["damaged", "parcel"]),
        ({"tag": ["shipping", "vip"]}, ["parcel"]),
        ({"channel": "email"}, ["invoice", "parcel"]),
        ({"channel": ["chat", "phone"]}, ["damaged", "refund"]),
        ({"q": "parcel"}, ["damaged", "parcel"]),  # stemmed: "parcels" matches too
        ({"q": "broken"}, ["refund"]),  # the description is searched as well
        ({"q": '"password reset"'}, ["login"]),
        ({"q": "parcel -crushed"}, ["parcel"]),
        ({"status": "open", "priority": "urgent", "channel": "phone"}, ["damaged"]),
        ({"customer_id": "nobody"}, []),
    ],
)
def test_each_filter(
    client: Client, catalogue: dict[str, str], params: dict[str, Any], expected: list[str]
) -> None:
    assert names(catalogue, client.ids(**params)) == expected


def test_time_range_filters(client: Client, catalogue: dict[str, str]) -> None:
    cases = {name: client.get(f"/support/cases/{case_id}") for name, case_id in catalogue.items()}
    login_created = cases["login"]["created_at"]
    assert names(catalogue, client.ids(created_after=login_created)) == [
        "damaged",
        "invoice",
        "login",
    ]
    assert names(catalogue, client.ids(created_before=login_created)) == ["refund", "parcel"]
    # Priority of "login" changed last: it is the only one updated after the invoice's resolution.
    invoice_updated = cases["invoice"]["updated_at"]
    after_invoice = (
        datetime.fromisoformat(invoice_updated) + timedelta(microseconds=1)
    ).isoformat()
    assert names(catalogue, client.ids(updated_after=after_invoice)) == ["login"]
    assert "login" not in names(catalogue, client.ids(updated_before=after_invoice))


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-created_at", NEWEST_FIRST),
        ("created_at", list(reversed(NEWEST_FIRST))),
        # updated last: login (priority), invoice (resolved), refund (pending), then by assignment
        ("-updated_at", ["login", "invoice", "refund", "parcel", "damaged"]),
        ("updated_at", ["damaged", "parcel", "refund", "invoice", "login"]),
        # most urgent first, oldest first within a priority
        ("priority", ["refund", "damaged", "parcel", "login", "invoice"]),
    ],
)
def test_each_sort(
    client: Client, catalogue: dict[str, str], sort: str, expected: list[str]
) -> None:
    assert names(catalogue, client.ids(sort=sort)) == expected


@pytest.mark.parametrize("sort", ["-created_at", "created_at", "priority", "-updated_at"])
def test_pages_are_stable_while_new_cases_arrive(client: Client, sort: str) -> None:
    first = [
        client.open(subject=f"Case {n}", priority=["low", "urgent", "high"][n % 3])
        for n in range(9)
    ]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "sort": sort, "q": "case"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/support/cases", **params)
        seen += [item["id"] for item in page["items"]]
        # Someone opens a case between each page.
        client.open(subject="Case arriving late", priority="urgent")
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)), "a case was listed twice"
    assert set(first) <= set(seen), "a case that existed before the first page was skipped"


def test_fields_selects_what_each_item_carries(client: Client, catalogue: dict[str, str]) -> None:
    page = client.get("/support/cases", fields="subject,status,message_count", limit=2)
    assert [set(item) for item in page["items"]] == [
        {"id", "subject", "status", "message_count"}
    ] * 2
    full = client.get("/support/cases", limit=1)["items"][0]
    assert {"case_number", "assignee_id", "waiting_since", "first_response_at", "version"} <= set(
        full
    )
    assert full["assignee_id"] is None  # a null field is present, not dropped


def test_get_case_is_served_from_the_read_model_in_the_same_shape(
    client: Client, catalogue: dict[str, str]
) -> None:
    case_id = catalogue["refund"]
    fresh = {MIN_POSITION_HEADER: str(client.position)}
    projected = client.api.get(f"/support/cases/{case_id}", headers=fresh)
    folded = client.api.get(
        f"/support/cases/{case_id}", params={"as_of": datetime.now(UTC).isoformat()}
    )
    assert projected.json() == folded.json()
    assert projected.headers["etag"] == folded.headers["etag"] == '"3"'


def test_messages_are_paginated_with_the_internal_flag(client: Client) -> None:
    case_id = client.open()
    url = f"/support/cases/{case_id}/messages"
    for n in range(5):
        client.command(
            "POST",
            url,
            json={"body": f"m{n}", "internal": n == 2},
        )
    first = client.get(url, limit=3)
    second = client.get(url, limit=3, cursor=first["next_cursor"])
    assert [m["body"] for m in first["items"] + second["items"]] == ["m0", "m1", "m2", "m3", "m4"]
    assert [m["internal"] for m in first["items"]] == [False, False, True]
    assert second["next_cursor"] is None
    case = client.get(f"/support/cases/{case_id}")
    assert case["version"] == 1
    listed = client.get(
        "/support/cases", fields="message_count,internal_note_count,first_response_at"
    )
    mine = next(item for item in listed["items"] if item["id"] == case_id)
    assert (mine["message_count"], mine["internal_note_count"]) == (5, 1)
    assert mine["first_response_at"] is not None


def test_customer_history(client: Client, catalogue: dict[str, str]) -> None:
    url = "/support/customers/cust-2/cases"
    assert names(catalogue, client.ids(url)) == ["damaged", "refund"]
    assert names(catalogue, client.ids(url, status="open")) == ["damaged"]
    first = client.get(url, limit=1)
    second = client.get(url, limit=1, cursor=first["next_cursor"])
    assert names(catalogue, [first["items"][0]["id"], second["items"][0]["id"]]) == [
        "damaged",
        "refund",
    ]
    assert client.get("/support/customers/nobody/cases")["items"] == []


def test_agent_workload(client: Client, catalogue: dict[str, str]) -> None:
    extra = client.open(priority="urgent")
    client.command("PUT", f"/support/cases/{extra}/assignee", json={"agent_id": "agent-a"})
    client.command("POST", f"/support/cases/{extra}/status", json={"status": "on_hold"})
    # The customer writes on the parcel case; the agent answers the refund case.
    client.command(
        "POST",
        f"/support/cases/{catalogue['parcel']}/messages",
        json={"body": "Any news?"},
        headers=bearer(Role.CUSTOMER, "cust-1"),
    )
    workload = client.get("/support/agents/agent-a/workload")
    assert workload["open"] == {"urgent": 0, "high": 1, "medium": 0, "low": 0, "total": 1}
    assert workload["pending"] == {"urgent": 1, "high": 0, "medium": 0, "low": 0, "total": 1}
    assert workload["on_hold"]["total"] == 1
    assert workload["assigned_today"] == 3
    assert workload["capacity"] == 10
    assert workload["capacity_used"] == pytest.approx(0.3)
    # Waiting for the support side: only the open parcel case (the others wait on others).
    assert workload["oldest_waiting"]["id"] == catalogue["parcel"]
    client.command(
        "POST",
        f"/support/cases/{catalogue['parcel']}/messages",
        json={"body": "On its way"},
    )
    assert client.get("/support/agents/agent-a/workload")["oldest_waiting"] is None
    assert client.get("/support/agents/agent-b/workload")["assigned_today"] == 1
    tomorrow = client.get("/support/agents/agent-a/workload", timezone="Pacific/Kiritimati")
    assert tomorrow["day_started_at"].endswith("+14:00")
    idle = client.get("/support/agents/nobody/workload")
    assert (idle["open"]["total"], idle["capacity_used"], idle["oldest_waiting"]) == (0, 0, None)


def test_a_query_reads_the_writes_whose_position_it_sends(projected_api: TestClient) -> None:
    for n in range(20):
        created = projected_api.post(
            "/support/cases", json={"customer_id": f"ryw-{n}", "subject": "x"}
        )
        position = created.headers["x-casetrail-position"]
        listed = projected_api.get(
            f"/support/customers/ryw-{n}/cases", headers={MIN_POSITION_HEADER: position}
        )
        assert [item["id"] for item in listed.json()["items"]] == [created.json()["id"]]
        by_param = projected_api.get(
            f"/support/customers/ryw-{n}/cases", params={"min_position": position}
        )
        assert len(by_param.json()["items"]) == 1


def test_a_position_not_reached_in_time_answers_stale(
    postgres_desk: SupportDesk, read_side: ReadSide
) -> None:
    app = build_api_app(
        ApiDependencies(
            postgres_desk,
            read_model=read_side.read_model,
            read_options=ReadOptions(max_wait_seconds=0.1),
        )
    )
    with TestClient(app, headers=supervisor_headers()) as api:
        response = api.get("/support/cases", headers={MIN_POSITION_HEADER: str(10**12)})
    assert response.status_code == 200
    assert response.headers[STALE_HEADER] == "true"


def test_lag_is_on_metrics_and_readiness(client: Client, catalogue: dict[str, str]) -> None:
    client.get("/support/cases")
    metrics = client.api.get("/metrics").text
    assert 'casetrail_projection_lag_events{projection="case_list"} 0.0' in metrics
    assert 'casetrail_projection_lag_seconds{projection="case_messages"}' in metrics
    assert 'casetrail_projection_events_total{projection="case_list"}' in metrics
    ready = client.api.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["projections"] == {"status": "ok"}
