"""Business calendars over HTTP: defined, read, revised with versions; bad input named."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fixtures.sla import BERLIN_OFFICE, created


def test_a_calendar_is_defined_read_and_revised_with_versions(sla_api: TestClient) -> None:
    calendar = created(sla_api.post("/support/calendars", json=BERLIN_OFFICE))
    assert calendar["version"] == 1
    assert calendar["holidays"] == ["2026-12-25"]
    url = f"/support/calendars/{calendar['id']}"
    assert sla_api.get(url).json() == calendar

    revised = sla_api.put(
        url,
        json={**BERLIN_OFFICE, "holidays": ["2026-12-25", "2026-12-24"], "reason": "Christmas Eve"},
        headers={"If-Match": '"1"'},
    )
    assert revised.status_code == 200, revised.text
    assert revised.json()["version"] == 2
    assert revised.json()["holidays"] == ["2026-12-24", "2026-12-25"]

    stale = sla_api.put(url, json=BERLIN_OFFICE, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2


def test_public_holidays_are_seeded_and_stored_as_dates(sla_api: TestClient) -> None:
    body = {**BERLIN_OFFICE, "holiday_seed": {"country": "DE", "years": [2026]}}
    calendar = created(sla_api.post("/support/calendars", json=body))
    assert "2026-10-03" in calendar["holidays"]  # German Unity Day
    assert "2026-12-25" in calendar["holidays"]
    assert calendar["holiday_source"]["country"] == "DE"


def test_a_subdivisions_own_holidays_are_seeded(sla_api: TestClient) -> None:
    seed = {"country": "DE", "subdivision": "BY", "years": [2026]}
    calendar = created(
        sla_api.post("/support/calendars", json={**BERLIN_OFFICE, "holiday_seed": seed})
    )
    assert "2026-01-06" in calendar["holidays"]  # Epiphany, in Bavaria only


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "body.timezone"),
        ({"weekly_hours": {"mon": [["17:00", "09:00"]]}}, "body.weekly_hours.mon.0"),
        (
            {"weekly_hours": {"mon": [["09:00", "13:00"], ["12:00", "17:00"]]}},
            "body.weekly_hours.mon.1",
        ),
        ({"weekly_hours": {"mon": [["09:00", "29:00"]]}}, "body.weekly_hours.mon.0.1"),
        ({"weekly_hours": {"someday": [["09:00", "17:00"]]}}, "body.weekly_hours.someday"),
        ({"holiday_seed": {"country": "ZZ", "years": [2026]}}, "body.holiday_seed.country"),
        (
            {"holiday_seed": {"country": "DE", "subdivision": "XX", "years": [2026]}},
            "body.holiday_seed.subdivision",
        ),
        ({"holidays": ["not-a-date"]}, "body.holidays.0"),
    ],
)
def test_bad_calendars_are_refused_naming_the_field(
    sla_api: TestClient, change: dict[str, Any], field: str
) -> None:
    response = sla_api.post("/support/calendars", json={**BERLIN_OFFICE, **change})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    fields = [error["field"] for error in response.json()["errors"]]
    assert any(named.startswith(field) for named in fields), fields


def test_an_unknown_calendar_is_a_404(sla_api: TestClient) -> None:
    response = sla_api.get("/support/calendars/00000000-0000-0000-0000-000000000001")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
