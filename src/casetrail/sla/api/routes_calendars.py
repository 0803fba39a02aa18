"""Business calendars: ``POST /support/calendars``, ``GET|PUT /support/calendars/{id}``."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, Response, status
from fastapi.concurrency import run_in_threadpool

from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.command_headers import ExpectedVersion
from casetrail.platform.http.permissions import MANAGES_SLA, READS_INTERNALS, ManagesSla
from casetrail.platform.http.problems import PROBLEMS
from casetrail.sla.api.deps import Sla
from casetrail.sla.api.schemas import CalendarRead, CalendarRevise, CalendarWrite
from casetrail.sla.api.versions import fields_under, tag_version
from casetrail.sla.domain.aggregates import Calendar
from casetrail.sla.service.administration import CalendarDefinition
from casetrail.sla.service.holiday_seeds import HolidaySeed

router = APIRouter(
    prefix="/support/calendars",
    tags=["sla"],
    responses=PROBLEMS,
    dependencies=[Authenticated],
)


def calendar_read(calendar: Calendar) -> CalendarRead:
    return CalendarRead(
        id=calendar.id,
        version=calendar.version,
        name=calendar.name,
        timezone=calendar.timezone,
        weekly_hours=calendar.weekly_hours,
        holidays=[date.fromisoformat(day) for day in calendar.holidays],
        holiday_source=calendar.holiday_source,
        updated_at=calendar.modified_on,
    )


def definition_of(body: CalendarWrite) -> CalendarDefinition:
    seed = body.holiday_seed
    return CalendarDefinition(
        name=body.name,
        timezone=body.timezone,
        weekly_hours={str(day): windows for day, windows in body.weekly_hours.items()},
        holidays=body.holidays,
        holiday_seed=HolidaySeed(seed.country, seed.years, seed.subdivision)
        if seed is not None
        else None,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CalendarRead,
    dependencies=[MANAGES_SLA],
)
async def define_calendar(
    body: CalendarWrite, principal: ManagesSla, sla: Sla, response: Response
) -> CalendarRead:
    with fields_under("body"):
        calendar = await run_in_threadpool(
            sla.administration.define_calendar, definition_of(body), principal.actor
        )
    response.headers["Location"] = f"/support/calendars/{calendar.id}"
    tag_version(response, calendar.version)
    return calendar_read(calendar)


@router.get("/{calendar_id}", response_model=CalendarRead, dependencies=[READS_INTERNALS])
async def get_calendar(calendar_id: UUID, sla: Sla, response: Response) -> CalendarRead:
    calendar = await run_in_threadpool(sla.administration.calendar, calendar_id)
    tag_version(response, calendar.version)
    return calendar_read(calendar)


@router.put("/{calendar_id}", response_model=CalendarRead, dependencies=[MANAGES_SLA])
async def revise_calendar(
    calendar_id: UUID,
    body: CalendarRevise,
    principal: ManagesSla,
    sla: Sla,
    response: Response,
    expected: ExpectedVersion,
) -> CalendarRead:
    """Revising a calendar restates the deadlines of open cases under it (see docs/sla.md)."""

    def revise() -> Calendar:
        with fields_under("body"):
            return sla.administration.revise_calendar(
                calendar_id,
                definition_of(body),
                reason=body.reason,
                expected_version=expected,
                actor=principal.actor,
            )

    calendar = await run_in_threadpool(revise)
    tag_version(response, calendar.version)
    return calendar_read(calendar)
