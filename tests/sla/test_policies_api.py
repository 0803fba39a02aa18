"""SLA policies over HTTP: defined in order, filtered, revised; bad input named."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fixtures.sla import BERLIN_OFFICE, created

URGENT = {
    "name": "Urgent",
    "position": 1,
    "filter": {"priority": ["urgent", "high"]},
    "targets": {
        "first_response": {"urgent": "PT1H", "high": "PT4H"},
        "resolution": {"urgent": "PT8H"},
    },
    "pause_statuses": ["pending_customer"],
}


def test_policies_are_listed_in_the_order_they_apply(sla_api: TestClient) -> None:
    calendar = created(sla_api.post("/support/calendars", json=BERLIN_OFFICE))
    later = created(
        sla_api.post(
            "/support/sla/policies",
            json={**URGENT, "name": "Everything else", "position": 5, "filter": {}},
        )
    )
    first = created(
        sla_api.post("/support/sla/policies", json={**URGENT, "calendar_id": calendar["id"]})
    )
    assert first["targets"]["first_response"] == {"urgent": "PT1H", "high": "PT4H"}
    assert first["calendar_id"] == calendar["id"]
    listed = sla_api.get("/support/sla/policies").json()["items"]
    assert [policy["id"] for policy in listed] == [first["id"], later["id"]]
    assert sla_api.get(f"/support/sla/policies/{first['id']}").json() == first


def test_a_revision_is_a_new_version(sla_api: TestClient) -> None:
    policy = created(sla_api.post("/support/sla/policies", json=URGENT))
    url = f"/support/sla/policies/{policy['id']}"
    stricter = {**URGENT, "targets": {"first_response": {"urgent": "PT30M"}}, "reason": "audit"}
    revised = sla_api.put(url, json=stricter, headers={"If-Match": '"1"'})
    assert revised.status_code == 200, revised.text
    assert revised.json()["version"] == 2
    assert revised.json()["targets"] == {"first_response": {"urgent": "PT30M"}}
    assert sla_api.put(url, json=stricter, headers={"If-Match": '"1"'}).status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"targets": {"first_response": {"urgent": "PT0S"}}}, "body.targets.first_response.urgent"),
        ({"targets": {"resolution": {"high": "-PT1H"}}}, "body.targets.resolution.high"),
        ({"targets": {"resolution": {"high": "soon"}}}, "body.targets.resolution.high"),
        ({"targets": {"resolution": {"someday": "PT1H"}}}, "body.targets.resolution"),
        ({"calendar_id": "00000000-0000-0000-0000-000000000001"}, "body.calendar_id"),
        ({"filter": {"priority": ["whenever"]}}, "body.filter.priority.0"),
        ({"filter": {"customer_tier": ["gold"]}}, "body.filter.customer_tier.0"),
        ({"pause_statuses": ["resolved"]}, "body.pause_statuses.0"),
        ({"at_risk_before": "PT0S"}, "body.at_risk_before"),
    ],
)
def test_bad_policies_are_refused_naming_the_field(
    sla_api: TestClient, change: dict[str, Any], field: str
) -> None:
    response = sla_api.post("/support/sla/policies", json={**URGENT, **change})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    fields = [error["field"] for error in response.json()["errors"]]
    assert any(named.startswith(field) for named in fields), fields


def test_an_unknown_department_in_a_filter_is_refused(sla_api: TestClient) -> None:
    class OnlySupport:
        def is_known(self, department: str) -> bool:
            return department == "support"

    sla_api.app.state.sla_departments = OnlySupport()  # type: ignore[attr-defined]
    response = sla_api.post(
        "/support/sla/policies", json={**URGENT, "filter": {"department": ["billing"]}}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.filter.department.0"
