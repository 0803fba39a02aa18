"""Cases and departments: route a case to a department, and read every move it made.

The move is a case event (``Ticket.Routed``, recorded by the cases context's desk with who
made it and why); the directory's part is knowing which departments exist."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from casetrail.agents.api.deps import DirectoryDep
from casetrail.agents.api.schemas import CaseRouting, RoutingEntryRead, RoutingHistory
from casetrail.cases.api.published import (
    VISIBLE_CASE,
    ActorRead,
    CaseRead,
    Context,
    Desk,
    case_read,
    describe,
)
from casetrail.cases.published import RouteCase
from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.permissions import READS_INTERNALS, WORKS_CASES, ReadsInternals
from casetrail.platform.http.principals import Role
from casetrail.platform.http.problems import PROBLEMS
from casetrail.platform.masking import mask_text

router = APIRouter(
    prefix="/support/cases", tags=["cases"], responses=PROBLEMS, dependencies=[Authenticated]
)


@router.post(
    "/{case_id}/route",
    response_model=CaseRead,
    dependencies=[WORKS_CASES, VISIBLE_CASE],
    summary="Route the case to a department (an unknown department is a 422)",
)
def route_case(
    case_id: UUID,
    body: CaseRouting,
    desk: Desk,
    directory: DirectoryDep,
    context: Context,
    response: Response,
) -> CaseRead:
    directory.check_departments("body.department_id", [body.department_id])
    department_id = str(UUID(body.department_id))  # one spelling for one department
    result = desk.route_case(RouteCase(case_id, department_id, body.reason), context)
    describe(response, result)
    return case_read(desk.get_case(case_id))


@router.get(
    "/{case_id}/routing-history",
    response_model=RoutingHistory,
    dependencies=[READS_INTERNALS, VISIBLE_CASE],
)
def routing_history(case_id: UUID, desk: Desk, principal: ReadsInternals) -> RoutingHistory:
    moves = desk.routing_history(case_id)
    # A reason is free text staff wrote about the customer's case: masked for analysts.
    shown = mask_text if principal.role is Role.ANALYST else str
    return RoutingHistory(
        case_id=case_id,
        department_id=moves[-1].to_department_id if moves else None,
        items=[
            RoutingEntryRead(
                version=move.originator_version,
                at=move.timestamp,
                from_department_id=move.from_department_id,
                to_department_id=move.to_department_id,
                reason=shown(move.reason),
                by=ActorRead(subject=move.actor_subject, role=move.actor_role),
            )
            for move in moves
        ],
    )
