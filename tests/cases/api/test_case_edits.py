"""Cases are editable (subject, description, external reference, customer) and archivable,
each change an event in their history; they show their customer's name and tier when the
directory knows the customer."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from casetrail.platform.http.principals import Role
from tests.fixtures.auth import bearer


def open_case(api: TestClient, customer_id: str = "cust-1", **extra: Any) -> dict[str, Any]:
    response = api.post(
        "/support/cases",
        json={"customer_id": customer_id, "subject": "Parcel late", "description": "Day 5"} | extra,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def listed(api: TestClient, query: str = "") -> list[str]:
    return [item["id"] for item in api.get(f"/support/cases?{query}").json()["items"]]


def test_patch_changes_what_was_sent_each_change_an_event(api: TestClient) -> None:
    case = open_case(api, external_ref="gorgias:1")
    response = api.patch(
        f"/support/cases/{case['id']}",
        json={"subject": "Parcel lost", "external_ref": None, "customer_id": "cust-2"},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["subject"], body["description"], body["external_ref"], body["customer_id"]) == (
        "Parcel lost",
        "Day 5",
        None,
        "cust-2",
    )
    assert response.headers["ETag"] == '"3"'
    history = api.get(f"/support/cases/{case['id']}/history").json()["items"]
    assert [entry["type"] for entry in history] == ["Opened", "DetailsChanged", "CustomerChanged"]
    assert history[1]["data"]["changed"] == ["subject", "external_ref"]
    assert history[2]["data"]["from_customer_id"] == "cust-1"
    assert listed(api, "customer_id=cust-2") == [case["id"]]
    assert listed(api, "customer_id=cust-1") == []


def test_a_stale_if_match_and_bad_fields_are_refused(api: TestClient) -> None:
    case = open_case(api)
    api.patch(f"/support/cases/{case['id']}", json={"description": "Day 6"})
    stale = api.patch(
        f"/support/cases/{case['id']}", json={"subject": "x"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 409
    for body, field in (
        ({"subject": ""}, "body.subject"),
        ({"subject": None}, "body.subject"),
        ({"customer_id": None}, "body.customer_id"),
        ({"status": "closed"}, "body.status"),
    ):
        refused = api.patch(f"/support/cases/{case['id']}", json=body)
        assert refused.status_code == 422, body
        assert field in {error["field"] for error in refused.json()["errors"]}


def test_an_unchanged_patch_records_nothing(api: TestClient) -> None:
    case = open_case(api)
    response = api.patch(f"/support/cases/{case['id']}", json={"subject": "Parcel late"})
    assert response.headers["ETag"] == '"1"'


def test_a_closed_case_is_not_edited(api: TestClient) -> None:
    case = open_case(api)
    for status in ("resolved", "closed"):
        api.post(f"/support/cases/{case['id']}/status", json={"status": status})
    refused = api.patch(f"/support/cases/{case['id']}", json={"subject": "x"})
    assert refused.status_code == 409


def test_archiving_hides_a_case_from_lists_until_restored(api: TestClient) -> None:
    kept, archived = open_case(api), open_case(api)
    response = api.delete(f"/support/cases/{archived['id']}")
    assert response.status_code == 200
    assert response.json()["archived_at"] is not None
    assert listed(api) == [kept["id"]]
    assert set(listed(api, "include_archived=true")) == {kept["id"], archived["id"]}
    assert api.get("/support/customers/cust-1/cases").json()["items"][0]["id"] == kept["id"]
    # Never destroyed: it is still there, with its history.
    assert api.get(f"/support/cases/{archived['id']}").json()["archived_at"] is not None
    restored = api.post(f"/support/cases/{archived['id']}/restore")
    assert restored.json()["archived_at"] is None
    assert set(listed(api)) == {kept["id"], archived["id"]}
    history = api.get(f"/support/cases/{archived['id']}/history").json()["items"]
    assert [entry["type"] for entry in history] == ["Opened", "Archived", "Restored"]


def test_cases_show_the_name_and_tier_of_a_known_customer(api: TestClient) -> None:
    api.post("/support/customers", json={"id": "cust-1", "name": "Sarah Lee", "tier": "vip"})
    known, stranger = open_case(api), open_case(api, "stranger@mail")
    shown = api.get(f"/support/cases/{known['id']}").json()
    assert shown["customer"] == {"name": "Sarah Lee", "tier": "vip"}
    assert api.get(f"/support/cases/{stranger['id']}").json()["customer"] is None
    # Commands answer with the case as staff see it, customer included.
    changed = api.post(f"/support/cases/{known['id']}/priority", json={"priority": "high"})
    assert changed.json()["customer"] == {"name": "Sarah Lee", "tier": "vip"}
    items = {item["id"]: item for item in api.get("/support/cases").json()["items"]}
    assert items[known["id"]]["customer"] == {"name": "Sarah Lee", "tier": "vip"}
    assert items[stranger["id"]]["customer"] is None
    picked = api.get("/support/cases?fields=subject").json()["items"]
    assert all("customer" not in item for item in picked)
    # Analysts see customers as pseudonyms, never by name.
    as_analyst = api.get(f"/support/cases/{known['id']}", headers=bearer(Role.ANALYST, "a-1"))
    assert as_analyst.json()["customer"] is None


def test_an_archived_case_is_off_its_agents_workload(api: TestClient) -> None:
    kept, archived = open_case(api), open_case(api)
    for case in (kept, archived):
        assigned = api.put(f"/support/cases/{case['id']}/assignee", json={"agent_id": "a-1"})
        assert assigned.status_code == 200, assigned.text
    assert api.get("/support/agents/a-1/workload").json()["open"]["total"] == 2
    assert api.delete(f"/support/cases/{archived['id']}").status_code == 200
    workload = api.get("/support/agents/a-1/workload").json()
    assert workload["open"]["total"] == 1
    assert workload["oldest_waiting"]["id"] == kept["id"]
