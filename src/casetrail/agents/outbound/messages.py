"""The public ``support.agent.*`` and ``support.department.*`` messages, made from domain
events, so that other services can follow the directory.

Contracts: fields are only ever added; a breaking change is a new ``schema_version``. Each
message carries the whole record as it stood just after the change (an agent: profile and
presence; a department: name and description), so a consumer never calls back. Heartbeats
that only extend a presence are not published: ``presence_expires_at`` in the next message
says how long a presence holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar, Literal
from uuid import UUID

from eventsourcing.domain import Aggregate, AggregateEvent

from casetrail.agents.domain.agent import Agent
from casetrail.agents.domain.department import Department
from casetrail.agents.domain.values import Presence, Seniority
from casetrail.cases.published import ActorRef, IntegrationMessage, Outbound, stable_event_id


class DirectoryMessage(IntegrationMessage):
    actor: ActorRef


class AgentMessage(DirectoryMessage):
    """What every ``support.agent.*`` message carries: the agent just after the change."""

    key_description: ClassVar[str] = "Keyed by agent id; ordered per agent."
    key_schema: ClassVar[dict[str, str]] = {"type": "string"}

    agent_id: str
    name: str
    email: str
    roles: list[str]
    department_ids: list[str]
    skills: list[str]
    capacity: int
    seniority: Seniority
    status: Presence
    presence_expires_at: datetime | None
    version: int


class AgentRegisteredMessage(AgentMessage):
    """An agent joined the directory."""

    topic: ClassVar[str] = "support.agent.registered"
    event_type: Literal["support.agent.registered"] = "support.agent.registered"


class AgentChangedMessage(AgentMessage):
    """An agent's profile changed (name, e-mail, roles, departments, skills, capacity,
    seniority)."""

    topic: ClassVar[str] = "support.agent.changed"
    event_type: Literal["support.agent.changed"] = "support.agent.changed"
    changed_fields: list[str]


class AgentPresenceChangedMessage(AgentMessage):
    """An agent's presence changed: a status set, a login or logout, or a presence that
    lapsed for want of a heartbeat (``cause`` = ``expired``)."""

    topic: ClassVar[str] = "support.agent.presence.changed"
    event_type: Literal["support.agent.presence.changed"] = "support.agent.presence.changed"
    from_status: Presence
    to_status: Presence
    cause: Literal["status", "login", "logout", "expired"]


class DepartmentMessage(DirectoryMessage):
    key_description: ClassVar[str] = "Keyed by department id; ordered per department."

    department_id: UUID
    name: str
    description: str
    version: int


class DepartmentCreatedMessage(DepartmentMessage):
    """A department was created."""

    topic: ClassVar[str] = "support.department.created"
    event_type: Literal["support.department.created"] = "support.department.created"


class DepartmentChangedMessage(DepartmentMessage):
    """A department's name or description changed."""

    topic: ClassVar[str] = "support.department.changed"
    event_type: Literal["support.department.changed"] = "support.department.changed"
    changed_fields: list[str]


MESSAGE_TYPES: tuple[type[DirectoryMessage], ...] = (
    AgentRegisteredMessage,
    AgentChangedMessage,
    AgentPresenceChangedMessage,
    DepartmentCreatedMessage,
    DepartmentChangedMessage,
)
PUBLISHED_TOPICS = tuple(message.topic for message in MESSAGE_TYPES)
PUBLISHED_EVENT_TOPICS = tuple(
    event.TOPIC
    for event in (
        Agent.Registered,
        Agent.ProfileChanged,
        Agent.PresenceChanged,
        Agent.PresenceExpired,
        Department.Created,
        Department.Changed,
    )
)


def _envelope(event: AggregateEvent) -> dict[str, Any]:
    return {
        "event_id": stable_event_id(event.originator_id, event.originator_version),
        "occurred_at": event.timestamp,
        "actor": ActorRef(
            subject=getattr(event, "actor_subject", ""), role=getattr(event, "actor_role", "")
        ),
    }


def _agent_fields(agent: Agent) -> dict[str, Any]:
    return {
        "agent_id": agent.agent_id,
        "name": agent.name,
        "email": agent.email,
        "roles": list(agent.roles),
        "department_ids": list(agent.department_ids),
        "skills": list(agent.skills),
        "capacity": agent.capacity,
        "seniority": agent.seniority,
        "status": agent.presence,
        "presence_expires_at": agent.presence_expires_at,
        "version": agent.version,
    }


def agent_outbound(event: AggregateEvent, agent: Agent) -> Outbound | None:
    """The message for ``event``, given the agent as it stood just after it (or None)."""
    fields = _envelope(event) | _agent_fields(agent)
    message: AgentMessage
    if isinstance(event, Agent.Registered):
        message = AgentRegisteredMessage.model_construct(**fields)
    elif isinstance(event, Agent.ProfileChanged):
        message = AgentChangedMessage.model_construct(
            **fields, changed_fields=sorted(event.changes)
        )
    elif isinstance(event, Agent.PresenceChanged):
        message = AgentPresenceChangedMessage.model_construct(
            **fields,
            from_status=Presence(event.from_status),
            to_status=Presence(event.to_status),
            cause=event.cause,
        )
    elif isinstance(event, Agent.PresenceExpired):
        message = AgentPresenceChangedMessage.model_construct(
            **fields,
            from_status=Presence(event.from_status),
            to_status=Presence.OFFLINE,
            cause="expired",
        )
    else:
        return None
    return Outbound(topic=message.topic, key=agent.agent_id.encode(), value=message)


def department_outbound(event: AggregateEvent, department: Department) -> Outbound | None:
    fields = _envelope(event) | {
        "department_id": department.id,
        "name": department.name,
        "description": department.description,
        "version": department.version,
    }
    message: DepartmentMessage
    if isinstance(event, Department.Created):
        message = DepartmentCreatedMessage.model_construct(**fields)
    elif isinstance(event, Department.Changed):
        message = DepartmentChangedMessage.model_construct(
            **fields, changed_fields=sorted(event.changes)
        )
    else:
        return None
    return Outbound(topic=message.topic, key=str(department.id).encode(), value=message)


class DirectoryEvents:
    """The relay's source of ``support.agent.*`` and ``support.department.*`` (it rides the
    case relay: one position, the log's order): each event's record is read back at the
    event's version."""

    event_topics: Sequence[str] = PUBLISHED_EVENT_TOPICS

    def __init__(self, record_at: Callable[[AggregateEvent], Aggregate]) -> None:
        self._record_at = record_at

    def outbound_for(self, event: AggregateEvent) -> Outbound | None:
        record = self._record_at(event)
        if isinstance(event, Agent.Event) and isinstance(record, Agent):
            return agent_outbound(event, record)
        if isinstance(event, Department.Event) and isinstance(record, Department):
            return department_outbound(event, record)
        return None
