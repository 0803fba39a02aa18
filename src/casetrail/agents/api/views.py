"""Response bodies from the aggregates (one record, now or as of a time) or from rows
(lists): read by the names the bodies declare, so both agree."""

from __future__ import annotations

from fastapi import Response

from casetrail.agents.api.schemas import (
    AgentRead,
    DepartmentRead,
    DirectoryHistory,
    DirectoryHistoryEntryRead,
)
from casetrail.agents.domain.agent import Agent
from casetrail.agents.domain.department import Department
from casetrail.agents.projections.rows import AgentRow, DepartmentRow
from casetrail.agents.service.history import DirectoryHistoryEntry
from casetrail.agents.service.results import DirectoryResult
from casetrail.cases.api.published import ActorRead

POSITION_HEADER = "X-Casetrail-Position"


def agent_read(agent: Agent) -> AgentRead:
    return AgentRead(
        id=agent.agent_id,
        name=agent.name,
        email=agent.email,
        roles=list(agent.roles),
        department_ids=list(agent.department_ids),
        skills=list(agent.skills),
        capacity=agent.capacity,
        seniority=agent.seniority,
        status=agent.presence,
        presence_expires_at=agent.presence_expires_at,
        registered_at=agent.created_on,
        updated_at=agent.modified_on,
        version=agent.version,
    )


def agent_read_from_row(row: AgentRow) -> AgentRead:
    return AgentRead(
        id=row.agent_id,
        name=row.name,
        email=row.email,
        roles=row.roles,
        department_ids=row.department_ids,
        skills=row.skills,
        capacity=row.capacity,
        seniority=row.seniority,  # type: ignore[arg-type]  # validated into the enum
        status=row.status,  # type: ignore[arg-type]
        presence_expires_at=row.presence_expires_at,
        registered_at=row.registered_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def department_read(department: Department) -> DepartmentRead:
    return DepartmentRead(
        id=department.id,
        name=department.name,
        description=department.description,
        created_at=department.created_on,
        updated_at=department.modified_on,
        version=department.version,
    )


def department_read_from_row(row: DepartmentRow) -> DepartmentRead:
    return DepartmentRead(
        id=row.id,
        name=row.name,
        description=row.description,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def history_read(record_id: str, entries: list[DirectoryHistoryEntry]) -> DirectoryHistory:
    return DirectoryHistory(
        id=record_id,
        items=[
            DirectoryHistoryEntryRead(
                version=entry.version,
                type=entry.type,
                at=entry.at,
                actor=ActorRead(subject=entry.actor_subject, role=entry.actor_role),
                data=entry.data,
            )
            for entry in entries
        ],
    )


def describe(response: Response, result: DirectoryResult) -> None:
    response.headers["ETag"] = f'"{result.version}"'
    if result.position is not None:
        response.headers[POSITION_HEADER] = str(result.position)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
