"""What-if over past cases: a stricter draft policy lists the cases that would breach, and
records nothing."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from casetrail.platform.http.principals import Role
from tests.fixtures.auth import bearer
from tests.fixtures.sla import MovingClock, office_policy, open_urgent

AGENT = bearer(Role.AGENT, "agent-1")


def test_a_stricter_draft_lists_the_cases_that_would_breach_and_changes_nothing(
    sla_api: TestClient, clock: MovingClock
) -> None:
    policy = office_policy(
        sla_api, targets={"first_response": {"urgent": "PT4H"}, "resolution": {"urgent": "P5D"}}
    )
    answered_late = open_urgent(sla_api)
    answered_early = open_urgent(sla_api)
    clock.advance(timedelta(minutes=15))
    sla_api.post(f"/support/cases/{answered_early}/messages", json={"body": "Hi"}, headers=AGENT)
    clock.advance(timedelta(days=2, hours=17, minutes=15))  # Monday 10:00 Berlin
    sla_api.post(f"/support/cases/{answered_late}/messages", json={"body": "Hi"}, headers=AGENT)
    clock.advance(timedelta(days=1))
    before = sla_api.get(f"/support/cases/{answered_late}/sla").json()
    policies_before = sla_api.get("/support/sla/policies").json()

    draft = {
        "name": "Stricter",
        "position": 1,
        "calendar_id": policy["calendar_id"],
        "targets": {"first_response": {"urgent": "PT1H"}, "resolution": {"urgent": "P5D"}},
    }
    response = sla_api.post(
        "/support/sla/simulations",
        json={
            "policy": draft,
            "replaces": policy["id"],
            "period": {"from": "2026-12-01T00:00:00Z", "to": "2026-12-05T00:00:00Z"},
        },
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["cases"] == 2
    assert result["by_priority"] == [
        {"priority": "urgent", "current_breaches": 0, "draft_breaches": 1}
    ]
    [changed] = [c for c in result["changed"] if c["metric"] == "first_response"]
    assert changed["case_id"] == answered_late
    assert (changed["current_state"], changed["draft_state"]) == ("fulfilled", "breached")

    assert sla_api.get("/support/sla/policies").json() == policies_before
    assert sla_api.get(f"/support/cases/{answered_late}/sla").json() == before


def test_a_period_that_ends_before_it_starts_is_refused(sla_api: TestClient) -> None:
    response = sla_api.post(
        "/support/sla/simulations",
        json={
            "policy": {"name": "x", "position": 1, "targets": {}},
            "period": {"from": "2026-12-05T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("body.period")
