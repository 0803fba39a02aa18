"""A case's clocks over HTTP: deadlines in business time, pauses, breaches, as_of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from casetrail.platform.http.principals import Role
from tests.fixtures.auth import bearer
from tests.fixtures.sla import BERLIN_OFFICE, MovingClock, office_policy, open_urgent

AGENT = bearer(Role.AGENT, "agent-1")
CUSTOMER = bearer(Role.CUSTOMER, "cust-1")


def metric(sla: dict[str, Any], name: str, cycle: int = 1) -> dict[str, Any]:
    return next(m for m in sla["metrics"] if m["metric"] == name and m["cycle"] == cycle)


def test_an_urgent_case_opened_friday_1630_is_due_monday_0930(sla_api: TestClient) -> None:
    policy = office_policy(sla_api)
    case_id = open_urgent(sla_api)
    sla = sla_api.get(f"/support/cases/{case_id}/sla").json()
    assert sla["policy"] == {"id": policy["id"], "version": 1, "name": "Standard"}
    first = metric(sla, "first_response")
    assert first["target"] == "PT1H"
    assert first["state"] == "active"
    assert datetime.fromisoformat(first["due_at"]) == datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
    assert first["business_seconds_elapsed"] == 0
    assert first["business_seconds_remaining"] == 3600
    assert first["started_by"]["event"] == "Opened"


def test_internal_notes_and_bot_messages_do_not_answer_the_customer(
    sla_api: TestClient, clock: MovingClock
) -> None:
    office_policy(sla_api)
    case_id = open_urgent(sla_api)
    clock.advance(timedelta(days=3))  # Monday 16:30 Berlin
    messages = f"/support/cases/{case_id}/messages"
    sla_api.post(messages, json={"body": "note", "internal": True}, headers=AGENT)
    sla_api.post(
        messages,
        json={"author_type": "BOT", "author_id": "bot-1", "body": "We got it"},
        headers=bearer(Role.SERVICE, "bot", scopes=["cases:write"]),
    )
    assert (
        metric(sla_api.get(f"/support/cases/{case_id}/sla").json(), "first_response")["state"]
        == "breached"
    )
    clock.advance(timedelta(minutes=1))
    assert sla_api.post(messages, json={"body": "On it"}, headers=AGENT).status_code == 201
    first = metric(sla_api.get(f"/support/cases/{case_id}/sla").json(), "first_response")
    assert first["state"] == "breached"
    assert first["stopped_by"]["event"] == "MessagePosted"


def test_time_pending_the_customer_is_a_paused_segment(
    sla_api: TestClient, clock: MovingClock
) -> None:
    office_policy(sla_api)
    clock.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Monday 10:00 Berlin
    case_id = open_urgent(sla_api)
    clock.advance(timedelta(minutes=10))
    status = f"/support/cases/{case_id}/status"
    sla_api.post(status, json={"status": "pending_customer"})
    clock.advance(timedelta(hours=2))
    sla_api.post(status, json={"status": "open"})
    clock.advance(timedelta(minutes=5))
    resolution = metric(sla_api.get(f"/support/cases/{case_id}/sla").json(), "resolution")
    assert resolution["business_seconds_elapsed"] == 15 * 60
    kinds = [segment["kind"] for segment in resolution["segments"]]
    assert kinds == ["running", "paused", "running"]
    paused = resolution["segments"][1]
    assert paused["status"] == "pending_customer"
    assert paused["opened_by"]["event"] == "StatusChanged"
    assert paused["closed_by"]["event"] == "StatusChanged"


def test_adding_a_holiday_moves_the_deadline_and_as_of_shows_the_old_one(
    sla_api: TestClient, clock: MovingClock
) -> None:
    policy = office_policy(sla_api)
    case_id = open_urgent(sla_api)
    before_change = clock.advance(timedelta(hours=1))
    clock.advance(timedelta(hours=1))
    calendar_url = f"/support/calendars/{policy['calendar_id']}"
    revised = sla_api.put(
        calendar_url,
        json={**BERLIN_OFFICE, "holidays": ["2026-12-07", "2026-12-25"], "reason": "strike"},
    )
    assert revised.status_code == 200, revised.text
    now = metric(sla_api.get(f"/support/cases/{case_id}/sla").json(), "first_response")
    then = sla_api.get(
        f"/support/cases/{case_id}/sla", params={"as_of": before_change.isoformat()}
    ).json()
    assert datetime.fromisoformat(now["due_at"]) == datetime(2026, 12, 8, 8, 30, tzinfo=UTC)
    assert datetime.fromisoformat(metric(then, "first_response")["due_at"]) == datetime(
        2026, 12, 7, 8, 30, tzinfo=UTC
    )
    assert then["calendar"]["version"] == 1


def test_before_it_was_opened_a_case_has_no_clocks(sla_api: TestClient) -> None:
    case_id = open_urgent(sla_api)
    response = sla_api.get(
        f"/support/cases/{case_id}/sla", params={"as_of": "2020-01-01T00:00:00Z"}
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_customers_may_not_read_clocks(sla_api: TestClient) -> None:
    case_id = open_urgent(sla_api)
    assert sla_api.get(f"/support/cases/{case_id}/sla", headers=CUSTOMER).status_code == 403


class VipTiers:
    """The directory's customer tiers, as a test double of the port."""

    def tier_of(self, customer_id: str, at: datetime | None = None) -> str | None:
        return {"cust-vip": "vip", "cust-1": "standard"}.get(customer_id)


def test_a_policy_for_vip_customers_applies_to_theirs_only(sla_api: TestClient) -> None:
    sla_api.app.state.sla_tiers = VipTiers()  # type: ignore[attr-defined]
    vip = office_policy(
        sla_api,
        name="VIP",
        filter={"customer_tier": ["vip"]},
        targets={"first_response": {"urgent": "PT15M"}},
    )
    standard = office_policy(sla_api, name="Standard", position=2)
    body = {"customer_id": "cust-vip", "subject": "Down", "priority": "urgent", "channel": "email"}
    vip_case = sla_api.post("/support/cases", json=body).json()["id"]
    standard_case = open_urgent(sla_api)

    assert sla_api.get(f"/support/cases/{vip_case}/sla").json()["policy"]["id"] == vip["id"]
    assert (
        sla_api.get(f"/support/cases/{standard_case}/sla").json()["policy"]["id"] == standard["id"]
    )


def test_a_case_follows_its_priority_to_another_policy(sla_api: TestClient) -> None:
    urgent = office_policy(sla_api, filter={"priority": ["urgent"]})
    low = office_policy(sla_api, name="Low", position=2, targets={"first_response": {"low": "P1D"}})
    case_id = open_urgent(sla_api)
    assert sla_api.get(f"/support/cases/{case_id}/sla").json()["policy"]["id"] == urgent["id"]
    sla_api.post(f"/support/cases/{case_id}/priority", json={"priority": "low"})
    sla = sla_api.get(f"/support/cases/{case_id}/sla").json()
    assert sla["policy"]["id"] == low["id"]
    assert metric(sla, "first_response")["target"] == "P1D"


def test_the_directorys_tier_chooses_the_policy(sla_api: TestClient) -> None:
    registered = sla_api.post(
        "/support/customers", json={"id": "cust-gold", "name": "Gold", "tier": "vip"}
    )
    assert registered.status_code == 201, registered.text
    vip = office_policy(
        sla_api,
        name="VIP",
        filter={"customer_tier": ["vip"]},
        targets={"first_response": {"urgent": "PT15M"}},
    )
    body = {"customer_id": "cust-gold", "subject": "Down", "priority": "urgent"}
    case_id = sla_api.post("/support/cases", json=body).json()["id"]
    assert sla_api.get(f"/support/cases/{case_id}/sla").json()["policy"]["id"] == vip["id"]


def test_a_case_routed_to_a_department_comes_under_its_policy(sla_api: TestClient) -> None:
    department = sla_api.post("/support/departments", json={"name": "Billing"})
    assert department.status_code == 201, department.text
    billing = department.json()["id"]
    everyone = office_policy(sla_api, name="Everyone", position=2)
    billing_policy = office_policy(
        sla_api, name="Billing", position=1, filter={"department": [billing]}
    )
    case_id = open_urgent(sla_api)
    assert sla_api.get(f"/support/cases/{case_id}/sla").json()["policy"]["id"] == everyone["id"]

    routed = sla_api.post(
        f"/support/cases/{case_id}/route", json={"department_id": billing, "reason": "invoice"}
    )
    assert routed.status_code == 200, routed.text
    sla = sla_api.get(f"/support/cases/{case_id}/sla").json()
    assert sla["policy"]["id"] == billing_policy["id"]


def test_a_filter_on_a_department_the_directory_does_not_know_is_refused(
    sla_api: TestClient,
) -> None:
    response = sla_api.post(
        "/support/sla/policies",
        json={
            "name": "Ghosts",
            "position": 1,
            "filter": {"department": ["00000000-0000-0000-0000-000000000009"]},
            "targets": {"first_response": {"urgent": "PT1H"}},
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.filter.department.0"


def test_the_ledger_of_an_unknown_case_is_not_found(sla_api: TestClient) -> None:
    response = sla_api.get("/support/cases/00000000-0000-4000-8000-000000000000/sla/ledger")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
