"""Presence: an agent sets its own status, logs in and out, and beats while connected;
supervisors may set anyone's. A presence nobody renews lapses after the grace period."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from casetrail.agents.api.deps import ContextDep, DirectoryDep, own_presence
from casetrail.agents.api.schemas import PresenceChange, PresenceRead
from casetrail.agents.api.views import describe
from casetrail.agents.service.commands import SetPresence
from casetrail.agents.service.directory import Directory
from casetrail.agents.service.results import DirectoryResult
from casetrail.kernel.ids import MAX_ID
from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.permissions import KeepsPresence
from casetrail.platform.http.problems import PROBLEMS

router = APIRouter(
    prefix="/support/agents", tags=["agents"], responses=PROBLEMS, dependencies=[Authenticated]
)

AgentIdPath = Annotated[str, Path(min_length=1, max_length=MAX_ID)]


def _presence(directory: Directory, result: DirectoryResult, response: Response) -> PresenceRead:
    describe(response, result)
    agent = directory.get_agent(result.id)
    return PresenceRead(
        agent_id=agent.agent_id,
        status=agent.presence,
        presence_expires_at=agent.presence_expires_at,
        version=agent.version,
    )


@router.put("/{agent_id}/status", response_model=PresenceRead)
def set_status(
    agent_id: AgentIdPath,
    body: PresenceChange,
    principal: KeepsPresence,
    directory: DirectoryDep,
    context: ContextDep,
    response: Response,
) -> PresenceRead:
    own_presence(principal, agent_id)
    result = directory.set_presence(SetPresence(agent_id, body.status), context)
    return _presence(directory, result, response)


@router.post("/{agent_id}/login", response_model=PresenceRead)
def log_in(
    agent_id: AgentIdPath,
    principal: KeepsPresence,
    directory: DirectoryDep,
    context: ContextDep,
    response: Response,
) -> PresenceRead:
    own_presence(principal, agent_id)
    return _presence(directory, directory.log_in(agent_id, context), response)


@router.post("/{agent_id}/logout", response_model=PresenceRead)
def log_out(
    agent_id: AgentIdPath,
    principal: KeepsPresence,
    directory: DirectoryDep,
    context: ContextDep,
    response: Response,
) -> PresenceRead:
    own_presence(principal, agent_id)
    return _presence(directory, directory.log_out(agent_id, context), response)


@router.post(
    "/{agent_id}/heartbeat",
    response_model=PresenceRead,
    summary="Renew the presence (while online or busy; an offline agent logs in instead)",
)
def heartbeat(
    agent_id: AgentIdPath,
    principal: KeepsPresence,
    directory: DirectoryDep,
    context: ContextDep,
    response: Response,
) -> PresenceRead:
    own_presence(principal, agent_id)
    return _presence(directory, directory.heartbeat(agent_id, context), response)
