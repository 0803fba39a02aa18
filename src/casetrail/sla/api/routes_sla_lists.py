"""``GET /support/sla/breaches``, ``GET /support/sla/at-risk?within=PT30M`` and
``GET /support/sla/dashboard``: for supervisors' queues and dashboards."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime

from casetrail.cases.published import Priority
from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.parameters import invalid_parameter
from casetrail.platform.http.permissions import READS_INTERNALS
from casetrail.platform.http.problems import PROBLEMS
from casetrail.sla.api.deps import Sla
from casetrail.sla.api.schemas import (
    AtRiskPage,
    AtRiskRead,
    BreachPage,
    BreachRead,
    DashboardRead,
    DashboardRowRead,
    PolicyRef,
)
from casetrail.sla.domain.reads import BreachFilter

MAX_WITHIN = timedelta(days=31)

router = APIRouter(
    prefix="/support/sla",
    tags=["sla"],
    responses=PROBLEMS,
    dependencies=[Authenticated, READS_INTERNALS],
)

MetricName = Literal["first_response", "next_response", "resolution"]


@router.get("/breaches", response_model=BreachPage)
async def breaches(
    sla: Sla,
    metric: MetricName | None = None,
    priority: Priority | None = None,
    since: Annotated[AwareDatetime | None, Query(description="Due at or after")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> BreachPage:
    wanted = BreachFilter(
        metric=metric, priority=priority.value if priority else None, since=since, limit=limit
    )
    rows = await run_in_threadpool(sla.reads.breaches, wanted)
    return BreachPage(
        items=[
            BreachRead(
                case_id=row.case_id,
                metric=row.metric,  # type: ignore[arg-type]
                cycle=row.cycle,
                priority=row.priority,
                department=row.department,
                due_at=row.due_at,
                detected_at=row.detected_at,
                policy=PolicyRef(id=row.policy_id, version=row.policy_version)
                if row.policy_id is not None and row.policy_version is not None
                else None,
            )
            for row in rows
        ]
    )


@router.get("/at-risk", response_model=AtRiskPage)
async def at_risk(
    sla: Sla,
    within: Annotated[
        timedelta, Query(description="ISO 8601 duration: due within this long from now")
    ] = timedelta(minutes=30),
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AtRiskPage:
    if not timedelta(0) < within <= MAX_WITHIN:
        invalid_parameter("within", "must be longer than zero and at most 31 days (P31D)")
    now = sla.clock()
    rows = await run_in_threadpool(sla.reads.at_risk, now, within, limit)
    return AtRiskPage(
        within=within,
        items=[
            AtRiskRead(
                case_id=row.case_id,
                metric=row.metric,  # type: ignore[arg-type]
                cycle=row.cycle,
                priority=row.priority,
                department=row.department,
                due_at=row.due_at,
                at_risk_at=row.at_risk_at,
                seconds_left=(row.due_at - now).total_seconds(),
            )
            for row in rows
        ],
    )


@router.get("/dashboard", response_model=DashboardRead)
async def dashboard(sla: Sla) -> DashboardRead:
    rows = await run_in_threadpool(sla.reads.dashboard)
    return DashboardRead(
        rows=[
            DashboardRowRead(
                priority=row.priority,
                department=row.department,
                active=row.active,
                breached=row.breached,
                breach_rate=row.breach_rate,
                first_response_median_seconds=row.first_response_median_seconds,
                first_response_p90_seconds=row.first_response_p90_seconds,
                resolution_median_seconds=row.resolution_median_seconds,
                resolution_p90_seconds=row.resolution_p90_seconds,
            )
            for row in rows
        ]
    )
