"""Business time: windows, holidays, time zones and DST, checked on examples and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casetrail.sla.domain.business_time import (
    ALWAYS_OPEN,
    BusinessHours,
    add_business_time,
    business_time_between,
)
from casetrail.sla.domain.errors import InvalidDefinition

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS_9_TO_5 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
OFFICE = BusinessHours.define("Europe/Berlin", WEEKDAYS_9_TO_5)
SPLIT_DAY = BusinessHours.define(
    "America/New_York",
    {day: [["09:00", "12:00"], ["13:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    | {"sat": [["10:00", "14:00"]]},
    holidays=[date(2026, 12, 25), date(2027, 1, 1)],
)


def local(text: str, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def test_friday_afternoon_plus_an_hour_is_monday_morning() -> None:
    friday = local("2026-12-04T16:30")
    assert add_business_time(OFFICE, friday, timedelta(hours=1)) == local("2026-12-07T09:30")


def test_holidays_are_skipped() -> None:
    christmas_eve = local("2026-12-24T16:00")
    with_holiday = BusinessHours.define(
        "Europe/Berlin", WEEKDAYS_9_TO_5, holidays=[date(2026, 12, 25)]
    )
    assert add_business_time(with_holiday, christmas_eve, timedelta(hours=2)) == local(
        "2026-12-28T10:00"
    )


def test_the_lunch_break_does_not_count() -> None:
    zone = ZoneInfo("America/New_York")
    morning = local("2026-06-03T11:30", zone)
    assert add_business_time(SPLIT_DAY, morning, timedelta(hours=1)) == local(
        "2026-06-03T13:30", zone
    )


def test_a_window_is_as_long_as_the_wall_clock_says_across_dst() -> None:
    always = BusinessHours.define(
        "Europe/Berlin", {day: [["00:00", "24:00"]] for day in ("sat", "sun", "mon")}
    )
    # 29 March 2026: Berlin skips from 02:00 to 03:00, so that Sunday has 23 hours.
    sunday = business_time_between(always, local("2026-03-29T00:00"), local("2026-03-30T00:00"))
    assert sunday == timedelta(hours=23)


@pytest.mark.parametrize(
    ("timezone", "weekly", "field"),
    [
        ("Mars/Olympus", WEEKDAYS_9_TO_5, "timezone"),
        ("Europe/Berlin", {"mon": [["17:00", "09:00"]]}, "weekly_hours.mon.0"),
        ("Europe/Berlin", {"mon": [["09:00", "09:00"]]}, "weekly_hours.mon.0"),
        ("Europe/Berlin", {"mon": [["09:00", "13:00"], ["12:00", "17:00"]]}, "weekly_hours.mon.1"),
        ("Europe/Berlin", {"mon": [["9am", "17:00"]]}, "weekly_hours.mon.0.0"),
        ("Europe/Berlin", {"mon": [["09:00", "25:00"]]}, "weekly_hours.mon.0.1"),
        ("Europe/Berlin", {"funday": [["09:00", "17:00"]]}, "weekly_hours.funday"),
        ("Europe/Berlin", {}, "weekly_hours"),
    ],
)
def test_bad_definitions_name_their_field(
    timezone: str, weekly: dict[str, list[list[str]]], field: str
) -> None:
    with pytest.raises(InvalidDefinition) as refused:
        BusinessHours.define(timezone, weekly)
    assert refused.value.field == field


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=40))
calendars = st.sampled_from([OFFICE, SPLIT_DAY, ALWAYS_OPEN])


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, start=instants, amount=durations)
def test_adding_business_time_then_measuring_it_gives_it_back(
    calendar: BusinessHours, start: datetime, amount: timedelta
) -> None:
    due = add_business_time(calendar, start, amount)
    assert due > start
    assert business_time_between(calendar, start, due) == amount


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, start=instants, first=durations, second=durations)
def test_business_time_adds_up(
    calendar: BusinessHours, start: datetime, first: timedelta, second: timedelta
) -> None:
    assert add_business_time(calendar, add_business_time(calendar, start, first), second) == (
        add_business_time(calendar, start, first + second)
    )


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, start=instants, span=durations)
def test_open_intervals_are_ordered_disjoint_and_inside_the_span(
    calendar: BusinessHours, start: datetime, span: timedelta
) -> None:
    end = start + span
    previous_end = start
    for opens, closes in calendar.open_intervals(start, end):
        assert previous_end <= opens < closes <= end
        previous_end = closes
