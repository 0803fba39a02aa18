"""The clocks of a case, computed from its facts: cycles, pauses, segments, deadlines."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from casetrail.sla.domain.business_time import BusinessHours
from casetrail.sla.domain.clocks import (
    CalendarVersion,
    ClockState,
    MetricClock,
    SegmentKind,
    case_clocks,
)
from casetrail.sla.domain.facts import CaseFact, FactKind
from casetrail.sla.domain.policy import Metric, PolicyFilter, PolicyTerms

CALENDAR_ID = UUID(int=7)
OFFICE = BusinessHours.define(
    "Europe/Berlin", {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
)
CALENDARS = {CALENDAR_ID: CalendarVersion(CALENDAR_ID, 1, OFFICE)}
POLICY = PolicyTerms(
    policy_id=UUID(int=1),
    version=1,
    name="Standard",
    position=1,
    filter=PolicyFilter(),
    targets={
        Metric.FIRST_RESPONSE: {"urgent": timedelta(hours=1), "low": timedelta(hours=8)},
        Metric.NEXT_RESPONSE: {"urgent": timedelta(hours=2)},
        Metric.RESOLUTION: {"urgent": timedelta(hours=8)},
    },
    calendar_id=CALENDAR_ID,
)
FRIDAY_1630 = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)  # 16:30 in Berlin
MONDAY_0930 = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)


class Story:
    """Facts of one case, told in order."""

    def __init__(self, opened_at: datetime, priority: str = "urgent") -> None:
        self.facts = [
            CaseFact("case@1", "Opened", opened_at, FactKind.OPENED, priority, "email", ())
        ]

    def then(self, at: datetime, kind: FactKind, value: str | None = None) -> Story:
        ref = f"case@{len(self.facts) + 1}"
        self.facts.append(CaseFact(ref, kind.value, at, kind, value))
        return self


def clock_of(story: Story, metric: Metric, until: datetime, cycle: int = 1) -> MetricClock:
    clocks = case_clocks(story.facts, [POLICY], CALENDARS, until)
    return next(c for c in clocks.metrics if c.metric is metric and c.cycle == cycle)


def test_an_urgent_case_opened_friday_1630_is_due_monday_0930() -> None:
    clock = clock_of(Story(FRIDAY_1630), Metric.FIRST_RESPONSE, until=FRIDAY_1630)
    assert clock.due_at == MONDAY_0930
    assert clock.state is ClockState.ACTIVE
    assert clock.remaining == timedelta(hours=1)


def test_over_the_weekend_the_clock_shows_half_an_hour_spent_and_the_night_outside_hours() -> None:
    sunday = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    clock = clock_of(Story(FRIDAY_1630), Metric.FIRST_RESPONSE, until=sunday)
    assert clock.elapsed == timedelta(minutes=30)
    assert clock.due_at == MONDAY_0930
    assert [segment.kind for segment in clock.segments] == [
        SegmentKind.RUNNING,
        SegmentKind.OUTSIDE_BUSINESS_HOURS,
    ]
    assert clock.segments[0].opened_by is not None
    assert clock.segments[0].opened_by.event == "Opened"


def test_a_reply_after_the_deadline_is_a_breach_and_stops_the_clock() -> None:
    reply = MONDAY_0930 + timedelta(minutes=5)
    story = Story(FRIDAY_1630).then(reply, FactKind.AGENT_REPLY)
    clock = clock_of(story, Metric.FIRST_RESPONSE, until=reply + timedelta(days=3))
    assert clock.state is ClockState.BREACHED
    assert clock.due_at == MONDAY_0930
    assert clock.stopped_by is not None
    assert clock.segments[-1].closed_by == story.facts[-1]


def test_time_pending_the_customer_does_not_count_and_shows_as_paused() -> None:
    monday_10 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    story = (
        Story(monday_10)
        .then(monday_10 + timedelta(minutes=10), FactKind.STATUS, "pending_customer")
        .then(monday_10 + timedelta(hours=2), FactKind.STATUS, "open")
    )
    clock = clock_of(story, Metric.FIRST_RESPONSE, until=monday_10 + timedelta(hours=2))
    assert clock.elapsed == timedelta(minutes=10)
    paused = [s for s in clock.segments if s.kind is SegmentKind.PAUSED]
    assert len(paused) == 1
    assert paused[0].status == "pending_customer"
    assert paused[0].opened_by == story.facts[1]
    assert paused[0].closed_by == story.facts[2]
    assert clock.due_at == monday_10 + timedelta(hours=2, minutes=50)


def test_while_paused_there_is_no_deadline() -> None:
    monday_10 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    story = Story(monday_10).then(monday_10, FactKind.STATUS, "pending_customer")
    clock = clock_of(story, Metric.FIRST_RESPONSE, until=monday_10 + timedelta(hours=5))
    assert clock.state is ClockState.PAUSED
    assert clock.due_at is None


def test_next_response_runs_from_each_customer_message_to_the_next_agent_reply() -> None:
    t = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    story = (
        Story(t)
        .then(t + timedelta(minutes=5), FactKind.AGENT_REPLY)
        .then(t + timedelta(minutes=30), FactKind.CUSTOMER_MESSAGE)
        .then(t + timedelta(minutes=40), FactKind.CUSTOMER_MESSAGE)
        .then(t + timedelta(minutes=50), FactKind.AGENT_REPLY)
        .then(t + timedelta(hours=1), FactKind.CUSTOMER_MESSAGE)
    )
    first = clock_of(story, Metric.NEXT_RESPONSE, until=t + timedelta(hours=2), cycle=1)
    second = clock_of(story, Metric.NEXT_RESPONSE, until=t + timedelta(hours=2), cycle=2)
    assert first.state is ClockState.FULFILLED
    assert first.elapsed == timedelta(minutes=20)
    assert second.state is ClockState.ACTIVE
    assert second.started_by == story.facts[-1]


def test_a_reopened_case_starts_a_new_resolution_cycle() -> None:
    t = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    story = (
        Story(t)
        .then(t + timedelta(hours=1), FactKind.STATUS, "resolved")
        .then(t + timedelta(hours=2), FactKind.STATUS, "open")
    )
    until = t + timedelta(hours=3)
    first = clock_of(story, Metric.RESOLUTION, until=until, cycle=1)
    second = clock_of(story, Metric.RESOLUTION, until=until, cycle=2)
    assert first.state is ClockState.FULFILLED
    assert second.state is ClockState.ACTIVE
    assert second.elapsed == timedelta(hours=1)


# -- properties ---------------------------------------------------------------------------------

STATUSES = ["open", "pending_customer", "on_hold"]
moments = st.lists(
    st.tuples(
        st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=3)),
        st.sampled_from([*STATUSES, "reply", "customer"]),
    ),
    max_size=8,
)
openings = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


def story_of(opened_at: datetime, steps: list[tuple[timedelta, str]]) -> Story:
    story, at = Story(opened_at), opened_at
    for gap, what in steps:
        at += gap
        if what == "reply":
            story.then(at, FactKind.AGENT_REPLY)
        elif what == "customer":
            story.then(at, FactKind.CUSTOMER_MESSAGE)
        else:
            story.then(at, FactKind.STATUS, what)
    return story


@settings(max_examples=150, deadline=None)
@given(opened_at=openings, steps=moments, later=st.timedeltas(timedelta(0), timedelta(days=5)))
def test_segments_cover_the_cycle_and_running_ones_add_up_to_elapsed(
    opened_at: datetime, steps: list[tuple[timedelta, str]], later: timedelta
) -> None:
    story = story_of(opened_at, steps)
    until = story.facts[-1].at + later
    for clock in case_clocks(story.facts, [POLICY], CALENDARS, until).metrics:
        running = [s.length for s in clock.segments if s.kind is SegmentKind.RUNNING]
        assert sum(running, timedelta(0)) == clock.elapsed
        assert clock.elapsed + clock.remaining >= clock.target
        for earlier, later_segment in itertools.pairwise(clock.segments):
            assert earlier.end == later_segment.start
        if clock.segments:
            assert clock.segments[0].start == clock.started_by.at


@settings(max_examples=150, deadline=None)
@given(
    opened_at=openings,
    pause_after=st.timedeltas(timedelta(0), timedelta(days=2)),
    pause_for=st.timedeltas(timedelta(minutes=1), timedelta(days=2)),
    until_after=st.timedeltas(timedelta(0), timedelta(days=6)),
)
def test_a_pause_never_shortens_the_time_left(
    opened_at: datetime, pause_after: timedelta, pause_for: timedelta, until_after: timedelta
) -> None:
    until = opened_at + until_after
    plain = clock_of(Story(opened_at), Metric.RESOLUTION, until)
    paused_story = (
        Story(opened_at)
        .then(opened_at + pause_after, FactKind.STATUS, "pending_customer")
        .then(opened_at + pause_after + pause_for, FactKind.STATUS, "open")
    )
    paused = clock_of(paused_story, Metric.RESOLUTION, until)
    assert paused.remaining >= plain.remaining
    if paused.due_at is not None and plain.due_at is not None:
        assert paused.due_at >= plain.due_at
