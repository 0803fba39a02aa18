"""An agent's workload, from the case list read model, against the agent's own capacity
(as the directory has it; the configured default for an agent it does not know)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query

from casetrail.cases.api.audience import shown
from casetrail.cases.api.query_deps import ReadModelDep, ReadOptionsDep, wait_for_position
from casetrail.cases.api.query_schemas import AgentWorkloadRead, PriorityCounts, WaitingCase
from casetrail.cases.domain.lifecycle import ACTIVE_STATUSES
from casetrail.cases.domain.values import CaseStatus, Priority
from casetrail.cases.queries import CASE_LIST, AgentWorkload
from casetrail.kernel.ids import MAX_ID
from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.parameters import invalid_parameter
from casetrail.platform.http.permissions import READS_INTERNALS, ReadsInternals, forbidden
from casetrail.platform.http.principals import Role
from casetrail.platform.http.problems import PROBLEMS

router = APIRouter(
    prefix="/support/agents", tags=["agents"], responses=PROBLEMS, dependencies=[Authenticated]
)


@router.get(
    "/{agent_id}/workload",
    response_model=AgentWorkloadRead,
    dependencies=[READS_INTERNALS, Depends(wait_for_position(CASE_LIST))],
)
def agent_workload(
    agent_id: Annotated[str, Path(min_length=1, max_length=MAX_ID)],
    principal: ReadsInternals,
    read_model: ReadModelDep,
    options: ReadOptionsDep,
    timezone: Annotated[
        str,
        Query(
            max_length=64,
            description='IANA time zone that "today" is counted in, such as Europe/Paris;'
            " an unknown name is a 422.",
            json_schema_extra={"pattern": r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$"},
        ),
    ] = "UTC",
) -> AgentWorkloadRead:
    if principal.role is Role.AGENT and agent_id != principal.subject:
        raise forbidden("agents see their own workload; supervisors see anyone's")
    zone = _zone(timezone)
    now = options.clock().astimezone(zone)
    day_started_at = now.replace(hour=0, minute=0, second=0, microsecond=0)
    workload = read_model.agent_workload(agent_id, day_started_at)
    counts = {status: _by_priority(workload, status) for status in ACTIVE_STATUSES}
    active = sum(group.total for group in counts.values())
    oldest = workload.oldest_waiting
    capacity = options.capacity(agent_id)
    return AgentWorkloadRead(
        agent_id=agent_id,
        **{WORKLOAD_FIELDS[status]: group for status, group in counts.items()},
        oldest_waiting=shown(
            principal,
            WaitingCase(
                id=oldest.id,
                case_number=oldest.case_number,
                subject=oldest.subject,
                priority=Priority(oldest.priority),
                status=CaseStatus(oldest.status),
                waiting_since=oldest.waiting_since,
            ),
        )
        if oldest is not None and oldest.waiting_since is not None
        else None,
        assigned_today=workload.assigned_since,
        capacity=capacity,
        capacity_used=round(active / capacity, 4),
        day_started_at=day_started_at,
    )


# The workload's count of each active status, by field name in the response.
WORKLOAD_FIELDS: dict[CaseStatus, str] = {
    CaseStatus.OPEN: "open",
    CaseStatus.PENDING_CUSTOMER: "pending",
    CaseStatus.ON_HOLD: "on_hold",
}


def _by_priority(workload: AgentWorkload, status: CaseStatus) -> PriorityCounts:
    counts = {
        priority.value: workload.counts.get((status.value, priority.value), 0)
        for priority in Priority
    }
    return PriorityCounts(**counts, total=sum(counts.values()))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:  # unknown names, path-like names, bad characters: all user errors
        invalid_parameter(
            "timezone", f"unknown time zone {name!r}: use an IANA name such as Europe/Paris"
        )
