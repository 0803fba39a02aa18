"""Agents: register, read, list, change; the audit trail. (Presence: routes_presence;
queues and availability: routes_queues.)"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime
from starlette.convertors import StringConvertor, register_url_convertor

from casetrail.agents.api.deps import DIRECTORY_FRESH, ContextDep, DirectoryDep, ReaderDep
from casetrail.agents.api.schemas import (
    RESERVED_AGENT_IDS,
    AgentCreate,
    AgentPage,
    AgentRead,
    AgentUpdate,
    DirectoryHistory,
)
from casetrail.agents.api.views import agent_read, agent_read_from_row, describe, history_read
from casetrail.agents.domain.values import Presence
from casetrail.agents.queries import AgentFilter
from casetrail.agents.service.commands import ChangeAgent, RegisterAgent
from casetrail.kernel.ids import MAX_ID
from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.cursors import (
    CURSOR_DESCRIPTION,
    CURSOR_PATTERN,
    MAX_CURSOR_LENGTH,
    InvalidCursor,
    decode_cursor,
    encode_cursor,
)
from casetrail.platform.http.parameters import invalid_parameter
from casetrail.platform.http.permissions import (
    MANAGES_DIRECTORY,
    READS_DIRECTORY,
    ReadsDirectory,
)
from casetrail.platform.http.principals import Principal, Role
from casetrail.platform.http.problems import PROBLEMS
from casetrail.platform.masking import EMAIL_MASK

router = APIRouter(
    prefix="/support/agents", tags=["agents"], responses=PROBLEMS, dependencies=[Authenticated]
)

AgentIdPath = Annotated[str, Path(min_length=1, max_length=MAX_ID)]
MAX_LIMIT = 100


class AgentIdConvertor(StringConvertor):
    """An agent's id in a path, but not a fixed path beside it: ``/support/agents/available``
    is that route's (every method of it), never an agent's."""

    regex = "(?!(?:" + "|".join(sorted(RESERVED_AGENT_IDS)) + ")$)[^/]+"


register_url_convertor("agent_id", AgentIdConvertor())


def shown(principal: Principal, agent: AgentRead) -> AgentRead:
    """Analysts see patterns, not people: the agent's e-mail is masked for them."""
    if principal.role is Role.ANALYST:
        return agent.model_copy(update={"email": EMAIL_MASK})
    return agent


def shown_history(principal: Principal, history: DirectoryHistory) -> DirectoryHistory:
    if principal.role is not Role.ANALYST:
        return history
    for entry in history.items:
        if "email" in entry.data:
            entry.data["email"] = EMAIL_MASK
        changes = entry.data.get("changes")
        if isinstance(changes, dict) and "email" in changes:
            changes["email"] = EMAIL_MASK
    return history


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AgentRead,
    dependencies=[MANAGES_DIRECTORY],
)
def register_agent(
    body: AgentCreate, directory: DirectoryDep, context: ContextDep, response: Response
) -> AgentRead:
    result = directory.register_agent(
        RegisterAgent(
            agent_id=body.id,
            name=body.name,
            email=str(body.email),
            roles=tuple(body.roles),
            department_ids=tuple(body.department_ids),
            skills=tuple(body.skills),
            capacity=body.capacity,
            seniority=body.seniority,
        ),
        context,
    )
    describe(response, result)
    response.headers["Location"] = f"/support/agents/{result.id}"
    return agent_read(directory.get_agent(result.id))


@router.get(
    "",
    response_model=AgentPage,
    dependencies=[READS_DIRECTORY, DIRECTORY_FRESH],
    summary="List agents: by department, skill and presence, in id order, cursor pages",
)
def list_agents(
    reader: ReaderDep,
    principal: ReadsDirectory,
    department_id: Annotated[
        str | None, Query(min_length=1, max_length=64, description="Agents of this department.")
    ] = None,
    skill: Annotated[
        str | None, Query(min_length=1, max_length=50, description="Agents with this skill.")
    ] = None,
    status: Annotated[
        list[Presence] | None, Query(description="online, busy, offline; repeat for several.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 25,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_CURSOR_LENGTH,
            description=CURSOR_DESCRIPTION,
            json_schema_extra={"pattern": CURSOR_PATTERN},
        ),
    ] = None,
) -> AgentPage:
    wanted = AgentFilter(
        department_id=department_id,
        skill=skill.strip().lower() if skill else None,
        statuses=tuple(dict.fromkeys(item.value for item in status or ())),
    )
    scope = _scope(wanted)
    after = None
    if cursor is not None:
        try:
            (after,) = decode_cursor(cursor, "agents", scope)
        except (InvalidCursor, ValueError) as error:
            invalid_parameter("cursor", str(error))
        if not isinstance(after, str):
            invalid_parameter("cursor", "the cursor is not one this API issued")
    page = reader.list_agents(wanted, limit, after)
    return AgentPage(
        items=[shown(principal, agent_read_from_row(row)) for row in page.rows],
        next_cursor=None
        if page.next_after is None
        else encode_cursor("agents", scope, [page.next_after]),
        limit=limit,
    )


@router.get("/{agent_id:agent_id}", response_model=AgentRead, dependencies=[READS_DIRECTORY])
async def get_agent(
    agent_id: AgentIdPath,
    directory: DirectoryDep,
    principal: ReadsDirectory,
    response: Response,
    as_of: Annotated[
        AwareDatetime | None,
        Query(description="RFC 3339 time: the agent as the directory had them then."),
    ] = None,
) -> AgentRead:
    agent = await run_in_threadpool(directory.get_agent, agent_id, as_of)
    response.headers["ETag"] = f'"{agent.version}"'
    return shown(principal, agent_read(agent))


@router.patch("/{agent_id:agent_id}", response_model=AgentRead, dependencies=[MANAGES_DIRECTORY])
def change_agent(
    agent_id: AgentIdPath,
    body: AgentUpdate,
    directory: DirectoryDep,
    context: ContextDep,
    response: Response,
) -> AgentRead:
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None:
            invalid_parameter(name, f"{name} cannot be null: leave it out to keep it", "body")
    if "email" in changes:
        changes["email"] = str(changes["email"])
    result = directory.change_agent(ChangeAgent(agent_id, changes), context)
    describe(response, result)
    return agent_read(directory.get_agent(agent_id))


@router.get("/{agent_id}/history", response_model=DirectoryHistory, dependencies=[READS_DIRECTORY])
def agent_history(
    agent_id: AgentIdPath, directory: DirectoryDep, principal: ReadsDirectory
) -> DirectoryHistory:
    return shown_history(principal, history_read(agent_id, directory.agent_history(agent_id)))


def _scope(wanted: AgentFilter) -> str:
    canonical = json.dumps(asdict(wanted), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
