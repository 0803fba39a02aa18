"""``POST /support/sla/simulations``: a draft policy over past cases, beside the policies
in force, writing nothing."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.permissions import MANAGES_SLA
from casetrail.platform.http.problems import PROBLEMS
from casetrail.sla.api.deps import Sla
from casetrail.sla.api.routes_policies import draft_of
from casetrail.sla.api.schemas import (
    ChangedClockRead,
    PriorityComparison,
    SimulationCreate,
    SimulationRead,
)
from casetrail.sla.api.versions import fields_under
from casetrail.sla.service.simulation import SimulationResult

router = APIRouter(
    prefix="/support/sla/simulations",
    tags=["sla"],
    responses=PROBLEMS,
    dependencies=[Authenticated, MANAGES_SLA],
)


@router.post("", response_model=SimulationRead)
async def simulate(body: SimulationCreate, sla: Sla) -> SimulationRead:
    """Answered at once; nothing is recorded (200, not 201)."""

    def run() -> SimulationResult:
        with fields_under("body.policy"):
            draft = draft_of(body.policy)
        with fields_under("body"):
            return sla.simulations.run(
                draft,
                opened_from=body.period.opened_from,
                opened_to=body.period.opened_to,
                replaces=body.replaces,
            )

    result = await run_in_threadpool(run)
    priorities = sorted(result.current_breaches.keys() | result.draft_breaches.keys())
    return SimulationRead(
        evaluated_at=result.evaluated_at,
        cases=result.cases,
        truncated=result.truncated,
        by_priority=[
            PriorityComparison(
                priority=priority,
                current_breaches=result.current_breaches.get(priority, 0),
                draft_breaches=result.draft_breaches.get(priority, 0),
            )
            for priority in priorities
        ],
        changed=[ChangedClockRead(**vars(change)) for change in result.changed],
        changed_total=result.changed_total,
    )
