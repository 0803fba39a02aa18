"""Breaches, clocks at risk and the dashboard over HTTP (computed from the events on the
in-memory store; tests/sla/test_clock_keeper.py reads the same from PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.fixtures.sla import MovingClock, office_policy, open_urgent


def test_a_case_past_its_deadline_is_listed_as_breached(
    sla_api: TestClient, clock: MovingClock
) -> None:
    office_policy(sla_api)
    case_id = open_urgent(sla_api)
    clock.advance(timedelta(days=2, hours=17, minutes=30))  # Monday 10:00 Berlin
    [breach] = sla_api.get("/support/sla/breaches").json()["items"]
    assert breach["case_id"] == case_id
    assert breach["metric"] == "first_response"
    assert breach["due_at"].startswith("2026-12-07T08:30:00")
    assert sla_api.get("/support/sla/breaches", params={"metric": "resolution"}).json() == {
        "items": []
    }


def test_a_clock_due_soon_is_at_risk(sla_api: TestClient, clock: MovingClock) -> None:
    office_policy(sla_api)
    case_id = open_urgent(sla_api)
    clock.advance(timedelta(days=2, hours=16, minutes=45))  # Monday 09:15 Berlin
    within = sla_api.get("/support/sla/at-risk", params={"within": "PT30M"}).json()
    assert [item["case_id"] for item in within["items"]] == [case_id]
    assert within["items"][0]["seconds_left"] == 15 * 60
    assert sla_api.get("/support/sla/at-risk", params={"within": "PT10M"}).json()["items"] == []
    refused = sla_api.get("/support/sla/at-risk", params={"within": "-PT1H"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "query.within"


def test_the_dashboard_counts_per_priority(sla_api: TestClient, clock: MovingClock) -> None:
    office_policy(sla_api)
    open_urgent(sla_api)
    open_urgent(sla_api)
    clock.advance(timedelta(days=2, hours=17, minutes=30))
    [row] = sla_api.get("/support/sla/dashboard").json()["rows"]
    assert row["priority"] == "urgent"
    assert row["active"] == 4  # first response and resolution of each (no next response yet)
    assert row["breached"] == 2
