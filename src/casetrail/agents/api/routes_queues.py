"""What agents have on their plate: an agent's queue in working order, and the agents who
could take a case now (online, under capacity). Case data comes from the cases context's
published read model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from casetrail.agents.api.deps import DIRECTORY_FRESH, DirectoryDep, ReaderDep
from casetrail.agents.api.routes_agents import shown as shown_agent
from casetrail.agents.api.schemas import AgentQueue, AvailableAgentRead, AvailableAgents
from casetrail.agents.api.views import agent_read_from_row
from casetrail.agents.domain.values import Presence
from casetrail.agents.queries import AgentFilter
from casetrail.cases.api.published import (
    ReadModelDep,
    case_list_item,
    shown,
    wait_for_position,
)
from casetrail.cases.published import (
    ACTIVE_STATUSES,
    CASE_LIST,
    NO_DUE_TIME,
    CaseFilter,
    CaseQuery,
    CaseSort,
    ReadModel,
)
from casetrail.kernel.ids import MAX_ID
from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.permissions import (
    READS_DIRECTORY,
    READS_INTERNALS,
    ReadsDirectory,
    ReadsInternals,
    forbidden,
)
from casetrail.platform.http.principals import Role
from casetrail.platform.http.problems import PROBLEMS

router = APIRouter(
    prefix="/support/agents", tags=["agents"], responses=PROBLEMS, dependencies=[Authenticated]
)

# The most cases a queue lists: a queue longer than this is a staffing problem to see in
# the workload, not a list to scroll.
MAX_QUEUE = 500
_ACTIVE = tuple(status.value for status in ACTIVE_STATUSES)
_FAR_PAST = datetime(1970, 1, 1, tzinfo=UTC)


@router.get(
    "/available",
    response_model=AvailableAgents,
    dependencies=[READS_DIRECTORY, DIRECTORY_FRESH],
    summary="Online agents with room for another case, most room first",
)
def available_agents(
    reader: ReaderDep,
    read_model: ReadModelDep,
    principal: ReadsDirectory,
    department_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    skill: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> AvailableAgents:
    wanted = AgentFilter(
        department_id=department_id,
        skill=skill.strip().lower() if skill else None,
        statuses=(Presence.ONLINE.value,),
    )
    found: list[AvailableAgentRead] = []
    after: str | None = None
    while True:
        page = reader.list_agents(wanted, 100, after)
        for row in page.rows:
            active = active_cases(read_model, row.agent_id)
            if active < row.capacity:
                agent = shown_agent(principal, agent_read_from_row(row))
                found.append(
                    AvailableAgentRead(
                        **agent.model_dump(),
                        active_cases=active,
                        free_capacity=row.capacity - active,
                    )
                )
        if page.next_after is None:
            break
        after = page.next_after
    found.sort(key=lambda agent: (-agent.free_capacity, agent.id))
    return AvailableAgents(items=found[:limit])


def active_cases(read_model: ReadModel, agent_id: str) -> int:
    workload = read_model.agent_workload(agent_id, _FAR_PAST)
    return sum(workload.counts.values())


@router.get(
    "/{agent_id}/queue",
    response_model=AgentQueue,
    response_model_exclude_unset=True,
    dependencies=[READS_INTERNALS, Depends(wait_for_position(CASE_LIST))],
)
def agent_queue(
    agent_id: Annotated[str, Path(min_length=1, max_length=MAX_ID)],
    principal: ReadsInternals,
    directory: DirectoryDep,
    read_model: ReadModelDep,
) -> AgentQueue:
    if principal.role is Role.AGENT and agent_id != principal.subject:
        raise forbidden("agents see their own queue; supervisors see anyone's")
    agent = directory.get_agent(agent_id)
    page = read_model.list_cases(
        CaseQuery(
            filter=CaseFilter(statuses=_ACTIVE, assignee_id=agent_id),
            sort=CaseSort.DUE_SOONEST,
            limit=MAX_QUEUE,
        )
    )
    # The nearest SLA deadline first; then, without a running deadline, those waiting for
    # the support side, longest waiting first; then the rest, least recently touched first.
    rows = sorted(
        page.rows,
        key=lambda row: (
            page.due.get(row.id, NO_DUE_TIME),
            row.waiting_since is None,
            row.waiting_since or row.updated_at,
            row.created_at,
            row.id,
        ),
    )
    return AgentQueue(
        agent_id=agent_id,
        capacity=agent.capacity,
        items=[shown(principal, case_list_item(row, due_at=page.due.get(row.id))) for row in rows],
    )
