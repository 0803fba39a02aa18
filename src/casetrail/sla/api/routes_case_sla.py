"""``GET /support/cases/{case_id}/sla``: the case's clocks now, or ``?as_of=`` a past moment
(under the calendar and policy versions in force then)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime

from casetrail.cases.api.published import VISIBLE_CASE
from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.permissions import READS_INTERNALS
from casetrail.platform.http.problems import PROBLEMS
from casetrail.sla.api.deps import Sla
from casetrail.sla.api.schemas import (
    CalendarRef,
    CaseSlaLedgerRead,
    CaseSlaRead,
    DecisionCause,
    EventRead,
    LedgerEntryRead,
    MetricRead,
    PolicyRef,
    SegmentRead,
)
from casetrail.sla.domain.clocks import CaseClocks, MetricClock
from casetrail.sla.domain.facts import CaseFact
from casetrail.sla.domain.ledger import Ledger

router = APIRouter(
    prefix="/support/cases", tags=["sla"], responses=PROBLEMS, dependencies=[Authenticated]
)


def event_read(fact: CaseFact | None) -> EventRead | None:
    return EventRead(ref=fact.ref, event=fact.event, at=fact.at) if fact is not None else None


def metric_read(clock: MetricClock) -> MetricRead:
    started_by = event_read(clock.started_by)
    assert started_by is not None
    return MetricRead(
        metric=clock.metric.value,
        cycle=clock.cycle,
        target=clock.target,
        due_at=clock.due_at,
        at_risk_at=clock.at_risk_at,
        state=clock.state.value,
        business_seconds_elapsed=int(clock.elapsed.total_seconds()),
        business_seconds_remaining=int(clock.target.total_seconds())
        - int(clock.elapsed.total_seconds())
        if clock.remaining
        else 0,
        started_by=started_by,
        stopped_by=event_read(clock.stopped_by),
        segments=[
            SegmentRead(
                kind=segment.kind.value,
                start=segment.start,
                end=segment.end,
                seconds=segment.length.total_seconds(),
                status=segment.status,
                opened_by=event_read(segment.opened_by),
                closed_by=event_read(segment.closed_by),
            )
            for segment in clock.segments
        ],
    )


def case_sla_read(case_id: UUID, clocks: CaseClocks, as_of: AwareDatetime) -> CaseSlaRead:
    policy, calendar = clocks.policy, clocks.calendar
    return CaseSlaRead(
        case_id=case_id,
        as_of=as_of,
        priority=clocks.priority,
        status=clocks.status,
        policy=PolicyRef(id=policy.policy_id, version=policy.version, name=policy.name)
        if policy is not None
        else None,
        calendar=CalendarRef(id=calendar.calendar_id, version=calendar.version)
        if calendar is not None
        else None,
        metrics=[metric_read(clock) for clock in clocks.metrics],
    )


@router.get(
    "/{case_id}/sla", response_model=CaseSlaRead, dependencies=[READS_INTERNALS, VISIBLE_CASE]
)
async def case_sla(
    case_id: UUID,
    sla: Sla,
    as_of: Annotated[
        AwareDatetime | None,
        Query(description="RFC 3339: the clocks as they stood then (404 before the case)"),
    ] = None,
) -> CaseSlaRead:
    now = sla.clock()
    clocks = await run_in_threadpool(sla.case_sla.clocks, case_id, now, as_of)
    return case_sla_read(case_id, clocks, as_of or now)


def ledger_entry_read(event: Ledger.Event) -> LedgerEntryRead:
    entry = LedgerEntryRead(
        version=event.originator_version,
        recorded_at=event.timestamp,
        entry="decided",
        metric=event.metric,  # type: ignore[arg-type]  # one of the three, as recorded
        cycle=event.cycle,
        priority=event.priority,
        department=event.department,
    )
    if isinstance(event, Ledger.ClockDecided):
        return entry.model_copy(
            update={
                "kind": event.kind,
                "state": event.state,
                "due_at": event.due_at,
                "at_risk_at": event.at_risk_at,
                "policy": PolicyRef(id=UUID(event.policy_id), version=event.policy_version),
                "calendar": CalendarRef(id=UUID(event.calendar_id), version=event.calendar_version)
                if event.calendar_id is not None and event.calendar_version is not None
                else None,
                "cause": DecisionCause(
                    ref=event.cause_ref,
                    event=event.cause_event,
                    notification_id=event.cause_notification,
                    at=event.decided_at,
                    reason=event.reason,
                ),
            }
        )
    if isinstance(event, Ledger.Breached):
        return entry.model_copy(
            update={
                "entry": "breached",
                "due_at": event.due_at,
                "detected_at": event.detected_at,
                "policy": PolicyRef(id=UUID(event.policy_id), version=event.policy_version)
                if event.policy_id is not None and event.policy_version is not None
                else None,
                "timer_cause": event.cause,
            }
        )
    assert isinstance(event, Ledger.WarnedAtRisk)
    return entry.model_copy(
        update={
            "entry": "at_risk",
            "due_at": event.due_at,
            "at_risk_at": event.at_risk_at,
            "detected_at": event.detected_at,
            "timer_cause": event.cause,
        }
    )


@router.get(
    "/{case_id}/sla/ledger",
    response_model=CaseSlaLedgerRead,
    dependencies=[READS_INTERNALS, VISIBLE_CASE],
    summary="Every SLA decision and finding about the case, with what caused it",
)
async def case_sla_ledger(
    case_id: UUID,
    sla: Sla,
    as_of: Annotated[
        AwareDatetime | None,
        Query(description="RFC 3339: only what had been recorded by then"),
    ] = None,
) -> CaseSlaLedgerRead:
    events = await run_in_threadpool(sla.case_sla.ledger, case_id, as_of)
    return CaseSlaLedgerRead(case_id=case_id, items=[ledger_entry_read(event) for event in events])
