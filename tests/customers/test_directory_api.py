"""The directory over HTTP, on the in-memory event store: each route, idempotent import,
bad input answered as problem+json naming the field, merges."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casetrail.platform.http.principals import Role
from tests.fixtures.auth import bearer

SARAH = {
    "name": "Sarah Lee",
    "email": "sarah@example.com",
    "external_ids": {"shopify": "7421"},
    "timezone": "Europe/Berlin",
    "language": "de",
    "tier": "vip",
}


def register(api: TestClient, body: dict[str, Any] | None = None, **extra: Any) -> Any:
    response = api.post("/support/customers", json=(body or SARAH) | extra)
    assert response.status_code in (200, 201), response.text
    return response


def problem_fields(response: Any) -> set[str]:
    assert response.headers["content-type"] == "application/problem+json"
    return {error["field"] for error in response.json().get("errors", [])}


def test_registering_answers_the_customer_with_its_location_and_version(api: TestClient) -> None:
    response = register(api)
    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True
    assert body["name"] == "Sarah Lee"
    assert body["tier"] == "vip"
    assert body["external_ids"] == {"shopify": "7421"}
    assert response.headers["Location"] == f"/support/customers/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    assert api.get(response.headers["Location"]).json()["email"] == "sarah@example.com"


def test_an_import_seen_before_answers_the_existing_customer_unchanged(api: TestClient) -> None:
    first = register(api).json()
    again = register(api, {"name": "S. Lee", "external_ids": {"shopify": "7421"}})
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert again.json()["created"] is False
    assert again.json()["name"] == "Sarah Lee"
    assert len(api.get("/support/customers").json()["items"]) == 1


def test_a_client_chosen_id_is_kept_and_registering_it_again_changes_nothing(
    api: TestClient,
) -> None:
    assert register(api, id="cust-17").json()["id"] == "cust-17"
    again = register(api, {"id": "cust-17", "name": "Other"})
    assert (again.status_code, again.json()["name"]) == (200, "Sarah Lee")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (SARAH | {"email": "not-an-address"}, "body.email"),
        (SARAH | {"external_ids": {"myspace": "1"}}, "body.external_ids.myspace.[key]"),
        (SARAH | {"timezone": "Mars/Olympus_Mons"}, "body.timezone"),
        (SARAH | {"tier": "gold"}, "body.tier"),
        (SARAH | {"language": "deutsch!"}, "body.language"),
        (SARAH | {"name": ""}, "body.name"),
        (SARAH | {"phone": "call me"}, "body.phone"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    api: TestClient, body: dict[str, Any], field: str
) -> None:
    response = api.post("/support/customers", json=body)
    assert response.status_code == 422
    assert field in problem_fields(response)


def test_search_by_email_name_and_external_id(api: TestClient) -> None:
    sarah = register(api).json()
    register(api, {"name": "Bo Berg", "email": "bo@example.com", "external_ids": {"gorgias": "9"}})

    def found(query: str) -> list[str]:
        response = api.get(f"/support/customers?{query}")
        assert response.status_code == 200, response.text
        return [item["name"] for item in response.json()["items"]]

    assert found("email=SARAH@example.com") == ["Sarah Lee"]
    assert found("name=lee") == ["Sarah Lee"]
    assert found("external_id=9") == ["Bo Berg"]
    assert found("external_system=shopify&external_id=7421") == ["Sarah Lee"]
    assert found("external_system=gorgias&external_id=7421") == []
    assert found("") == ["Sarah Lee", "Bo Berg"]
    assert sarah["id"] in {item["id"] for item in api.get("/support/customers").json()["items"]}


def test_lists_page_with_a_cursor_bound_to_the_query(api: TestClient) -> None:
    for number in range(5):
        register(api, {"name": f"Customer {number}"})
    first = api.get("/support/customers?limit=2").json()
    second = api.get(f"/support/customers?limit=2&cursor={first['next_cursor']}").json()
    names = [item["name"] for item in first["items"] + second["items"]]
    assert names == [f"Customer {number}" for number in range(4)]
    other_query = api.get(f"/support/customers?limit=2&name=x&cursor={first['next_cursor']}")
    assert other_query.status_code == 422
    assert "query.cursor" in problem_fields(other_query)


def test_patch_changes_only_what_is_sent_guarded_by_if_match(api: TestClient) -> None:
    customer_id = register(api).json()["id"]
    changed = api.patch(
        f"/support/customers/{customer_id}",
        json={"tier": "standard", "phone": "+49 30 1234567"},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["tier"], changed.json()["phone"], changed.json()["name"]) == (
        "standard",
        "+49 30 1234567",
        "Sarah Lee",
    )
    assert changed.headers["ETag"] == '"2"'
    stale = api.patch(
        f"/support/customers/{customer_id}", json={"tier": "vip"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    cleared = api.patch(f"/support/customers/{customer_id}", json={"name": None})
    assert "body.name" in problem_fields(cleared)


def test_external_ids_move_with_patch_and_another_customers_id_is_refused(
    api: TestClient,
) -> None:
    sarah = register(api).json()["id"]
    bo = register(api, {"name": "Bo", "external_ids": {"gorgias": "9"}}).json()["id"]
    taken = api.patch(f"/support/customers/{bo}", json={"external_ids": {"shopify": "7421"}})
    assert taken.status_code == 409
    assert "body.external_ids.shopify" in problem_fields(taken)
    moved = api.patch(f"/support/customers/{sarah}", json={"external_ids": {"shopify": "1"}})
    assert moved.status_code == 200
    # The old id is free again; the new one finds Sarah.
    assert api.patch(
        f"/support/customers/{bo}", json={"external_ids": {"shopify": "7421"}}
    ).is_success
    assert register(api, {"name": "x", "external_ids": {"shopify": "1"}}).json()["id"] == sarah


def test_a_customer_as_it_stood_and_its_history(api: TestClient) -> None:
    customer_id = register(api).json()["id"]
    before = datetime.now(UTC).isoformat()
    api.patch(f"/support/customers/{customer_id}", json={"name": "Sarah Lee-Berg"})
    then = api.get(f"/support/customers/{customer_id}", params={"as_of": before}).json()
    assert then["name"] == "Sarah Lee"
    assert api.get(f"/support/customers/{customer_id}").json()["name"] == "Sarah Lee-Berg"
    history = api.get(f"/support/customers/{customer_id}/history").json()["items"]
    assert [entry["type"] for entry in history] == ["Registered", "DetailsChanged"]
    assert history[1]["data"]["changed"] == ["name"]
    assert history[1]["actor"]["role"] == "SUPERVISOR"
    too_early = api.get(
        f"/support/customers/{customer_id}", params={"as_of": "2000-01-01T00:00:00Z"}
    )
    assert too_early.status_code == 404


def test_unknown_customers_are_404_problems(api: TestClient) -> None:
    for response in (
        api.get("/support/customers/nobody"),
        api.patch("/support/customers/nobody", json={"tier": "vip"}),
        api.get("/support/customers/nobody/history"),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


def test_merging_a_duplicate_points_it_at_the_survivor(api: TestClient) -> None:
    survivor = register(api, id="cust-a").json()["id"]
    duplicate = register(
        api, {"id": "cust-b", "name": "S. Lee", "external_ids": {"gorgias": "g-1"}}
    ).json()["id"]
    merged = api.post(f"/support/customers/{survivor}/merge", json={"from_customer_id": duplicate})
    assert merged.status_code == 200, merged.text
    assert merged.json()["merged_ids"] == ["cust-b"]
    assert merged.json()["external_ids"] == {"shopify": "7421", "gorgias": "g-1"}
    pointer = api.get(f"/support/customers/{duplicate}")
    assert pointer.status_code == 200
    assert (pointer.json()["status"], pointer.json()["merged_into"]) == ("merged", "cust-a")
    assert pointer.headers["Link"] == '</support/customers/cust-a>; rel="canonical"'
    # Importing the duplicate's external id again finds the survivor.
    assert register(api, {"name": "x", "external_ids": {"gorgias": "g-1"}}).json()["id"] == (
        "cust-a"
    )
    # The survivor's history holds the duplicate's too.
    history = api.get(f"/support/customers/{survivor}/history").json()["items"]
    assert {entry["customer_id"] for entry in history} == {"cust-a", "cust-b"}
    # Lists show the survivor only, unless asked.
    assert [item["id"] for item in api.get("/support/customers").json()["items"]] == ["cust-a"]
    listed = api.get("/support/customers?include_merged=true").json()["items"]
    assert {item["id"] for item in listed} == {"cust-a", "cust-b"}


def test_merge_refusals_name_the_field(api: TestClient) -> None:
    register(api, id="cust-a")
    itself = api.post("/support/customers/cust-a/merge", json={"from_customer_id": "cust-a"})
    assert itself.status_code == 422
    assert "body.from_customer_id" in problem_fields(itself)
    unknown = api.post("/support/customers/cust-a/merge", json={"from_customer_id": "nobody"})
    assert unknown.status_code == 404
    assert "body.from_customer_id" in problem_fields(unknown)
    missing = api.post("/support/customers/nobody/merge", json={"from_customer_id": "cust-a"})
    assert missing.status_code == 404
    register(api, {"id": "cust-b", "name": "B"})
    assert api.post(
        "/support/customers/cust-a/merge", json={"from_customer_id": "cust-b"}
    ).is_success
    again = api.post("/support/customers/cust-b/merge", json={"from_customer_id": "cust-a"})
    assert again.status_code == 409


def test_the_duplicates_cases_show_under_the_survivor(api: TestClient) -> None:
    register(api, id="cust-a")
    register(api, {"id": "cust-b", "name": "S. Lee"})
    for customer_id in ("cust-a", "cust-b", "stranger"):
        api.post(
            "/support/cases",
            json={"customer_id": customer_id, "subject": f"From {customer_id}"},
        )
    api.post("/support/customers/cust-a/merge", json={"from_customer_id": "cust-b"})
    cases = api.get("/support/customers/cust-a/cases").json()["items"]
    assert {case["customer_id"] for case in cases} == {"cust-a", "cust-b"}


def test_a_customer_sees_only_themselves(api: TestClient) -> None:
    register(api, id="cust-1")
    register(api, {"id": "cust-2", "name": "Bo"})
    as_customer = bearer(Role.CUSTOMER, "cust-1")
    assert api.get("/support/customers/cust-1", headers=as_customer).status_code == 200
    assert api.get("/support/customers/cust-2", headers=as_customer).status_code == 404
    listed = api.get("/support/customers?name=bo", headers=as_customer).json()["items"]
    assert [item["id"] for item in listed] == ["cust-1"]


def test_the_survivor_may_list_an_external_id_its_duplicate_brought(api: TestClient) -> None:
    register(api, {"id": "cust-a", "name": "A", "external_ids": {"shopify": "1"}})
    register(api, {"id": "cust-b", "name": "B", "external_ids": {"shopify": "2"}})
    api.post("/support/customers/cust-a/merge", json={"from_customer_id": "cust-b"})
    changed = api.patch("/support/customers/cust-a", json={"external_ids": {"shopify": "2"}})
    assert changed.status_code == 200, changed.text
    assert register(api, {"name": "x", "external_ids": {"shopify": "2"}}).json()["id"] == "cust-a"


def test_any_id_is_given_back_percent_encoded_in_headers(api: TestClient) -> None:
    response = register(api, {"id": "Ĝ𝄞 müller?1", "name": "M"})
    assert response.headers["Location"] == "/support/customers/%C4%9C%F0%9D%84%9E%20m%C3%BCller%3F1"
    assert api.get(response.headers["Location"]).json()["id"] == "Ĝ𝄞 müller?1"
    refused = api.post("/support/customers", json={"id": "a/b", "name": "M"})
    assert "body.id" in problem_fields(refused)
