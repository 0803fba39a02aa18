"""``?includeTimeline=true`` on ``GET /support/cases/{id}``: parameters, service, response.

The timeline hands this to the cases context as an addition to its case route
(``CASE_TIMELINE``, see ``casetrail.cases.api.case_detail``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, Query, Request
from fastapi.responses import Response
from pydantic import AwareDatetime

from casetrail.cases.api.published import (
    CaseAsked,
    CaseRead,
    case_read,
    case_read_from_row,
    current_actor,
)
from casetrail.cases.published import ReadModel, SupportDesk, may_read_internal_notes
from casetrail.kernel.actor import Actor
from casetrail.platform.http.parameters import invalid_parameter
from casetrail.platform.http.permissions import forbidden
from casetrail.platform.http.principals import Role
from casetrail.platform.http.problems import ApiProblem
from casetrail.platform.http.read_your_writes import MIN_POSITION_HEADER, STALE_HEADER
from casetrail.timeline.model import DEFAULT_LIMIT, MAX_LIMIT, TimelineQuery
from casetrail.timeline.schemas import CaseWithTimeline
from casetrail.timeline.service import Answered, CaseTimelineService

SOURCE_HEADER = "X-Casetrail-Timeline-Source"
DEGRADED_HEADER = "X-Casetrail-Degraded"


@dataclass(frozen=True)
class TimelineParams:
    include: bool
    limit: int
    since: AwareDatetime | None
    until: AwareDatetime | None
    include_internal: bool
    min_position: int

    def query(self, case_id: UUID) -> TimelineQuery:
        return TimelineQuery(
            case_id=case_id,
            limit=self.limit,
            since=self.since,
            until=self.until,
            include_internal=self.include_internal,
        )


async def timeline_params(
    actor: Annotated[Actor, Depends(current_actor)],
    include_timeline: Annotated[
        bool,
        Query(
            alias="includeTimeline",
            description="Add `timeline`: case events, messages and the customer's commerce"
            " context, in time order.",
        ),
    ] = False,
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_LIMIT,
            description=f"With includeTimeline: at most this many entries, the most recent"
            f" (default {DEFAULT_LIMIT}).",
        ),
    ] = DEFAULT_LIMIT,
    since: Annotated[
        AwareDatetime | None,
        Query(description="With includeTimeline: entries at or after this RFC 3339 time."),
    ] = None,
    until: Annotated[
        AwareDatetime | None,
        Query(
            description="With includeTimeline: entries before this RFC 3339 time, which must"
            " be later than since (or 422)."
        ),
    ] = None,
    header_position: Annotated[int | None, Header(alias=MIN_POSITION_HEADER, ge=0)] = None,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> TimelineParams:
    # async: pure work, run on the event loop rather than sent to a worker thread.
    if since is not None and until is not None and since >= until:
        invalid_parameter("until", "until must be later than since")
    return TimelineParams(
        include=include_timeline,
        limit=limit,
        since=since,
        until=until,
        # The role comes from the caller's credentials.
        include_internal=may_read_internal_notes(actor.role),
        min_position=max(header_position or 0, min_position or 0),
    )


def get_case_timeline(request: Request) -> CaseTimelineService:
    service: CaseTimelineService | None = getattr(request.app.state, "case_timeline", None)
    if service is None:
        raise ApiProblem(
            503,
            "timeline-unavailable",
            "Timeline unavailable",
            "this server runs without the PostgreSQL read models the timeline is read from",
        )
    return service


Timeline = Annotated[TimelineParams, Depends(timeline_params)]
CaseTimeline = Annotated[CaseTimelineService, Depends(get_case_timeline)]


def timeline_response(answered: Answered) -> Response:
    """The cached bytes as they are: no second serialisation on a hit."""
    headers = {"ETag": f'"{answered.version}"', SOURCE_HEADER: answered.source}
    if answered.degraded:
        headers[DEGRADED_HEADER] = "true"
    if answered.stale:
        headers[STALE_HEADER] = "true"
    return Response(answered.body, media_type="application/json", headers=headers)


async def case_with_timeline(
    service: CaseTimelineService,
    case_id: UUID,
    params: TimelineParams,
    read_model: ReadModel,
    desk: SupportDesk,
    shown: Callable[[CaseRead], CaseRead] = lambda case: case,
) -> Response:
    """``shown`` completes the case as its reader sees it (its customer's name and tier)."""

    def load_case() -> tuple[CaseRead, bool]:
        row = read_model.get_case(case_id)
        if row is None:
            # Not projected yet: the event store knows (and 404s if need be).
            return shown(case_read(desk.get_case(case_id))), False
        return shown(case_read_from_row(row)), True

    answered = await service.answer(params.query(case_id), load_case, params.min_position)
    return timeline_response(answered)


@dataclass(frozen=True)
class CaseTimelineAddition:
    """``?includeTimeline=true`` and its answer, added to the cases context's case route."""

    parameters: Callable[..., Any] = timeline_params
    response_model: Any = CaseWithTimeline

    async def answer(self, parameters: TimelineParams, case: CaseAsked) -> Response | None:
        if not parameters.include:
            return None
        if case.principal.role in (Role.ANALYST, Role.CUSTOMER):
            # Cached answers are the staff's view; analysts have the masked Trino views.
            raise forbidden("the timeline is for support staff and services")
        if case.as_of is not None:
            invalid_parameter("includeTimeline", "the timeline cannot be combined with as_of")
        service = get_case_timeline(case.request)
        return await case_with_timeline(
            service, case.case_id, parameters, case.read_model, case.desk, case.completed
        )


CASE_TIMELINE = CaseTimelineAddition()
