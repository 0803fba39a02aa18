"""The clocks of a case: for each metric and cycle, its target, deadline, state, business
time elapsed and remaining, and the segments that explain them.

- first response: from opening to the first public agent reply;
- next response: from a customer message (after the first response) to the next public
  agent reply;
- resolution: from opening (or a reopening) to resolution — a reopening starts a new cycle.

A response clock also stops when the case is resolved. Time in a pause status (by default
``pending_customer``) does not count and shows as a paused segment; time outside the
calendar's hours shows as an ``outside_business_hours`` segment. Each segment names the
events that opened and closed it (none where a business-hours boundary did).

Everything here is computed from the facts, the policy and the calendar, up to ``until``:
the same inputs give the same clocks, now, on a rebuild or ``as_of`` a past moment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from casetrail.sla.domain.business_time import (
    ALWAYS_OPEN,
    NoBusinessTimeAhead,
    WorkingTime,
    add_business_time,
)
from casetrail.sla.domain.facts import CaseFact, FactKind, state_after
from casetrail.sla.domain.policy import Metric, PolicyTerms, applicable

STOPPING_STATUSES = frozenset({"resolved", "closed"})


class SegmentKind(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    OUTSIDE_BUSINESS_HOURS = "outside_business_hours"


class ClockState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    FULFILLED = "fulfilled"
    BREACHED = "breached"


@dataclass(frozen=True)
class Segment:
    kind: SegmentKind
    start: datetime
    end: datetime
    opened_by: CaseFact | None  # None: a business-hours boundary opened it
    closed_by: CaseFact | None  # None: a business-hours boundary, or still going on
    status: str | None = None  # the pause status, for paused segments

    @property
    def length(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Cycle:
    metric: Metric
    number: int
    started: CaseFact
    stopped: CaseFact | None


@dataclass(frozen=True)
class MetricClock:
    metric: Metric
    cycle: int
    target: timedelta
    started_by: CaseFact
    stopped_by: CaseFact | None
    due_at: datetime | None  # None while paused with time left: the deadline is not set
    at_risk_at: datetime | None
    state: ClockState
    elapsed: timedelta
    remaining: timedelta
    segments: tuple[Segment, ...]

    @property
    def open(self) -> bool:
        return self.stopped_by is None


@dataclass(frozen=True)
class CalendarVersion:
    calendar_id: UUID
    version: int
    hours: WorkingTime


@dataclass(frozen=True)
class CaseClocks:
    policy: PolicyTerms | None
    calendar: CalendarVersion | None
    priority: str | None
    department: str | None
    status: str | None
    metrics: tuple[MetricClock, ...]


def cycles(facts: Sequence[CaseFact]) -> list[Cycle]:
    """Where each metric's cycles start and stop, in the order of the facts."""
    found: list[Cycle] = []
    first: CaseFact | None = None
    first_done = False
    waiting: CaseFact | None = None
    next_count = 0
    resolving: CaseFact | None = None
    resolution_count = 0
    status = None
    for fact in facts:
        if fact.kind is FactKind.OPENED:
            first, resolving, status = fact, fact, "open"
            continue
        if first is None:
            continue
        if fact.kind is FactKind.AGENT_REPLY:
            if not first_done:
                found.append(Cycle(Metric.FIRST_RESPONSE, 1, first, fact))
                first_done = True
            elif waiting is not None:
                next_count += 1
                found.append(Cycle(Metric.NEXT_RESPONSE, next_count, waiting, fact))
                waiting = None
        elif fact.kind is FactKind.CUSTOMER_MESSAGE:
            if first_done and waiting is None and status not in STOPPING_STATUSES:
                waiting = fact
        elif fact.kind is FactKind.STATUS:
            previous, status = status, fact.value
            if status in STOPPING_STATUSES and previous not in STOPPING_STATUSES:
                if not first_done:
                    found.append(Cycle(Metric.FIRST_RESPONSE, 1, first, fact))
                    first_done = True
                if waiting is not None:
                    next_count += 1
                    found.append(Cycle(Metric.NEXT_RESPONSE, next_count, waiting, fact))
                    waiting = None
                if resolving is not None:
                    resolution_count += 1
                    found.append(Cycle(Metric.RESOLUTION, resolution_count, resolving, fact))
                    resolving = None
            elif previous == "resolved" and status == "open":
                resolving = fact
    if first is not None and not first_done:
        found.append(Cycle(Metric.FIRST_RESPONSE, 1, first, None))
    if waiting is not None:
        found.append(Cycle(Metric.NEXT_RESPONSE, next_count + 1, waiting, None))
    if resolving is not None:
        found.append(Cycle(Metric.RESOLUTION, resolution_count + 1, resolving, None))
    return found


def evaluate(
    cycle: Cycle,
    facts: Sequence[CaseFact],
    *,
    target: timedelta,
    calendar: WorkingTime,
    pause_statuses: frozenset[str],
    warning_before: timedelta,
    until: datetime,
) -> MetricClock:
    """One cycle's clock as it stands at ``until`` (or at its stop, if it stopped)."""
    end = cycle.stopped.at if cycle.stopped is not None else until
    segments = tuple(_segments(_status_pieces(cycle, facts, end), calendar, pause_statuses))
    elapsed = sum(
        (segment.length for segment in segments if segment.kind is SegmentKind.RUNNING),
        timedelta(0),
    )
    last_status = _status_at(cycle, facts)
    paused_now = last_status in pause_statuses and cycle.stopped is None
    due_at = _instant_reaching(segments, target)
    threshold = target - warning_before
    at_risk_at = _instant_reaching(segments, threshold) if threshold > timedelta(0) else None
    if not paused_now:
        if due_at is None:
            due_at = _projected(calendar, end, target - elapsed)
        if at_risk_at is None and threshold > timedelta(0):
            at_risk_at = _projected(calendar, end, threshold - elapsed)
    if cycle.stopped is not None:
        state = ClockState.BREACHED if elapsed > target else ClockState.FULFILLED
    elif elapsed >= target:
        state = ClockState.BREACHED
    else:
        state = ClockState.PAUSED if paused_now else ClockState.ACTIVE
    return MetricClock(
        metric=cycle.metric,
        cycle=cycle.number,
        target=target,
        started_by=cycle.started,
        stopped_by=cycle.stopped,
        due_at=due_at,
        at_risk_at=at_risk_at,
        state=state,
        elapsed=elapsed,
        remaining=max(target - elapsed, timedelta(0)),
        segments=segments,
    )


def case_clocks(
    facts: Sequence[CaseFact],
    policies: Sequence[PolicyTerms],
    calendars: Mapping[UUID, CalendarVersion],
    until: datetime,
    customer_tier: str | None = None,
) -> CaseClocks:
    """Every clock of a case at ``until``, under the first policy that matches it then."""
    known = [fact for fact in facts if fact.at <= until]
    state = state_after(known, customer_tier)
    if state is None:
        return CaseClocks(None, None, None, None, None, ())
    policy = applicable(policies, state.subject)
    if policy is None:
        return CaseClocks(
            None, None, state.subject.priority, state.subject.department, state.status, ()
        )
    calendar = calendars.get(policy.calendar_id) if policy.calendar_id is not None else None
    hours = calendar.hours if calendar is not None else ALWAYS_OPEN
    clocks = []
    for cycle in cycles(known):
        target = policy.target(cycle.metric, state.subject.priority)
        if target is None:
            continue
        clocks.append(
            evaluate(
                cycle,
                known,
                target=target,
                calendar=hours,
                pause_statuses=policy.pause_statuses,
                warning_before=policy.warning_before(target),
                until=until,
            )
        )
    return CaseClocks(
        policy,
        calendar,
        state.subject.priority,
        state.subject.department,
        state.status,
        tuple(clocks),
    )


# -- the arithmetic ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    start: datetime
    end: datetime
    status: str | None
    opened_by: CaseFact | None
    closed_by: CaseFact | None


def _status_pieces(cycle: Cycle, facts: Sequence[CaseFact], end: datetime) -> list[_Piece]:
    """The cycle cut at every status change within it."""
    start_index = facts.index(cycle.started)
    stop_index = facts.index(cycle.stopped) if cycle.stopped is not None else len(facts)
    status = _status_through(facts[: start_index + 1])
    pieces: list[_Piece] = []
    opened_at, opened_by = cycle.started.at, cycle.started
    for fact in facts[start_index + 1 : stop_index]:
        if fact.kind is not FactKind.STATUS or fact.at > end:
            continue
        pieces.append(_Piece(opened_at, fact.at, status, opened_by, fact))
        opened_at, opened_by, status = fact.at, fact, fact.value
    pieces.append(_Piece(opened_at, end, status, opened_by, cycle.stopped))
    return pieces


def _status_at(cycle: Cycle, facts: Sequence[CaseFact]) -> str | None:
    stop_index = facts.index(cycle.stopped) if cycle.stopped is not None else len(facts)
    return _status_through(facts[:stop_index])


def _status_through(facts: Sequence[CaseFact]) -> str | None:
    status = None
    for fact in facts:
        if fact.kind is FactKind.OPENED:
            status = "open"
        elif fact.kind is FactKind.STATUS:
            status = fact.value
    return status


def _segments(
    pieces: Sequence[_Piece], calendar: WorkingTime, pause_statuses: frozenset[str]
) -> list[Segment]:
    segments: list[Segment] = []
    for piece in pieces:
        if piece.end <= piece.start:
            continue
        if piece.status in pause_statuses:
            segments.append(
                Segment(
                    SegmentKind.PAUSED,
                    piece.start,
                    piece.end,
                    piece.opened_by,
                    piece.closed_by,
                    piece.status,
                )
            )
            continue
        cursor, opened_by = piece.start, piece.opened_by
        for opens, closes in calendar.open_intervals(piece.start, piece.end):
            if opens > cursor:
                segments.append(
                    Segment(SegmentKind.OUTSIDE_BUSINESS_HOURS, cursor, opens, opened_by, None)
                )
                opened_by = None
            closed_by = piece.closed_by if closes >= piece.end else None
            segments.append(Segment(SegmentKind.RUNNING, opens, closes, opened_by, closed_by))
            cursor, opened_by = closes, None
        if cursor < piece.end:
            segments.append(
                Segment(
                    SegmentKind.OUTSIDE_BUSINESS_HOURS,
                    cursor,
                    piece.end,
                    opened_by,
                    piece.closed_by,
                )
            )
    return segments


def _instant_reaching(segments: Sequence[Segment], amount: timedelta) -> datetime | None:
    """When the running time of the segments reached ``amount``, if it did."""
    if amount <= timedelta(0):
        return None
    total = timedelta(0)
    for segment in segments:
        if segment.kind is not SegmentKind.RUNNING:
            continue
        if total + segment.length >= amount:
            return segment.start + (amount - total)
        total += segment.length
    return None


def _projected(calendar: WorkingTime, start: datetime, left: timedelta) -> datetime | None:
    try:
        return add_business_time(calendar, start, left)
    except (NoBusinessTimeAhead, OverflowError):  # no such time ahead (near year 9999)
        return None
