"""The public ``support.case.*`` messages other services consume, made from domain events.

These are contracts: fields are only ever added. A breaking change is a new
``schema_version`` on the same topic, described in the AsyncAPI document beside the code.
Each message names its case in full (number, customer, priority, channel, subject, tags,
status) so that a consumer never has to call back to understand it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol
from uuid import UUID, uuid5

from eventsourcing.domain import AggregateEvent
from pydantic import BaseModel, ConfigDict, Field

from casetrail.cases.domain.conversation import Conversation
from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.domain.values import (
    AssignmentReason,
    AuthorType,
    CaseStatus,
    Channel,
    Priority,
)

SCHEMA_VERSION = 1
EVENT_ID_NAMESPACE = UUID("0b9a3c57-52a4-4f0c-8d0e-2f6b1d4c9e13")


def stable_event_id(stream_id: UUID, version: int) -> UUID:
    """The same stored event always gets the same id, so consumers can deduplicate."""
    return uuid5(EVENT_ID_NAMESPACE, f"{stream_id}:{version}")


class ActorRef(BaseModel):
    subject: str
    role: str


class IntegrationMessage(BaseModel):
    """What every message casetrail publishes carries, whatever its topic family."""

    model_config = ConfigDict(extra="forbid")
    topic: ClassVar[str]
    # What the message key is (the AsyncAPI document says so), and its JSON Schema.
    key_description: ClassVar[str] = "Keyed by case id; ordered per case."
    key_schema: ClassVar[dict[str, str]] = {"type": "string", "format": "uuid"}

    event_id: UUID = Field(description="Stable per stored event: deduplicate on it.")
    event_type: str
    schema_version: int = SCHEMA_VERSION
    occurred_at: datetime


class CaseMessage(IntegrationMessage):
    """What every ``support.case.*`` message carries."""

    case_id: UUID
    case_number: str
    customer_id: str
    priority: Priority
    channel: Channel
    subject: str
    tags: list[str]
    status: CaseStatus
    assignee_id: str | None
    order_id: str | None
    actor: ActorRef


class CaseOpenedMessage(CaseMessage):
    topic: ClassVar[str] = "support.case.opened"
    event_type: Literal["support.case.opened"] = "support.case.opened"
    external_ref: str | None


class CaseStatusChangedMessage(CaseMessage):
    topic: ClassVar[str] = "support.case.status.changed"
    event_type: Literal["support.case.status.changed"] = "support.case.status.changed"
    from_status: CaseStatus
    to_status: CaseStatus
    reason: str | None


class CaseResolvedMessage(CaseMessage):
    topic: ClassVar[str] = "support.case.resolved"
    event_type: Literal["support.case.resolved"] = "support.case.resolved"
    resolution: str | None


class CaseAssignedMessage(CaseMessage):
    topic: ClassVar[str] = "support.case.assigned"
    event_type: Literal["support.case.assigned"] = "support.case.assigned"
    agent_id: str | None = Field(description="None when the case was unassigned.")
    previous_agent_id: str | None
    reason: AssignmentReason | None


class CaseEscalatedMessage(CaseMessage):
    topic: ClassVar[str] = "support.case.escalated"
    event_type: Literal["support.case.escalated"] = "support.case.escalated"
    level: int
    reason: str


class CasePriorityChangedMessage(CaseMessage):
    topic: ClassVar[str] = "support.case.priority.changed"
    event_type: Literal["support.case.priority.changed"] = "support.case.priority.changed"
    from_priority: Priority
    to_priority: Priority


class CaseMessagePostedMessage(CaseMessage):
    topic: ClassVar[str] = "support.case.message.posted"
    event_type: Literal["support.case.message.posted"] = "support.case.message.posted"
    message_id: UUID
    position: int
    author_type: AuthorType
    author_id: str
    internal: bool = Field(description="An agent-only note: never show it to the customer.")
    body: str
    attachment_uri: str | None


MESSAGE_TYPES: tuple[type[CaseMessage], ...] = (
    CaseOpenedMessage,
    CaseStatusChangedMessage,
    CaseResolvedMessage,
    CaseAssignedMessage,
    CaseEscalatedMessage,
    CasePriorityChangedMessage,
    CaseMessagePostedMessage,
)
PUBLISHED_TOPICS = tuple(message.topic for message in MESSAGE_TYPES)

# The stored events that become messages (tags alone are not published: every message
# carries the case's current tags).
PUBLISHED_EVENT_TOPICS = tuple(
    event.TOPIC
    for event in (
        Ticket.Opened,
        Ticket.StatusChanged,
        Ticket.Reopened,
        Ticket.Resolved,
        Ticket.Assigned,
        Ticket.Unassigned,
        Ticket.Escalated,
        Ticket.PriorityChanged,
        Conversation.MessagePosted,
    )
)


@dataclass(frozen=True)
class Outbound:
    topic: str
    key: bytes
    value: IntegrationMessage

    @property
    def headers(self) -> list[tuple[str, str | bytes | None]]:
        return [
            ("event_id", str(self.value.event_id).encode()),
            ("event_type", self.value.event_type.encode()),
            ("schema_version", str(self.value.schema_version).encode()),
        ]


class OutboundSource(Protocol):
    """Another context's public messages, published by the same relay (one position, one
    order: the notification log's): the stored event topics it turns into messages, and how."""

    @property
    def event_topics(self) -> Sequence[str]: ...

    def outbound_for(self, event: AggregateEvent) -> Outbound | None: ...


# What a message says about itself; every other field of ``CaseMessage`` is the case's own,
# read from the case by the same name.
_ENVELOPE = frozenset(
    {"event_id", "event_type", "schema_version", "occurred_at", "case_id", "actor"}
)
CASE_STATE_FIELDS: tuple[str, ...] = tuple(
    name for name in CaseMessage.model_fields if name not in _ENVELOPE
)


def case_fields(event: AggregateEvent, case: Ticket) -> dict[str, Any]:
    state = {name: getattr(case, name) for name in CASE_STATE_FIELDS}
    return state | {
        "event_id": stable_event_id(event.originator_id, event.originator_version),
        "occurred_at": event.timestamp,
        "case_id": case.id,
        "tags": list(case.tags),
        "actor": ActorRef(
            subject=getattr(event, "actor_subject", ""), role=getattr(event, "actor_role", "")
        ),
    }


def outbound_for(event: AggregateEvent, case: Ticket) -> Outbound | None:
    """The message for ``event``, given the case as it stood just after it (or None).

    Messages are built without re-validation: every value comes from an event we recorded
    ourselves, and the contract tests check each kind against the published schema."""
    fields = case_fields(event, case)
    message: CaseMessage
    if isinstance(event, Ticket.Opened):
        message = CaseOpenedMessage.model_construct(**fields, external_ref=case.external_ref)
    elif isinstance(event, Ticket.StatusChanged):
        message = CaseStatusChangedMessage.model_construct(
            **fields,
            from_status=CaseStatus(event.from_status),
            to_status=CaseStatus(event.to_status),
            reason=event.reason,
        )
    elif isinstance(event, Ticket.Reopened):
        message = CaseStatusChangedMessage.model_construct(
            **fields,
            from_status=CaseStatus.RESOLVED,
            to_status=CaseStatus.OPEN,
            reason=event.reason,
        )
    elif isinstance(event, Ticket.Resolved):
        message = CaseResolvedMessage.model_construct(**fields, resolution=event.resolution)
    elif isinstance(event, Ticket.Assigned):
        message = CaseAssignedMessage.model_construct(
            **fields,
            agent_id=event.agent_id,
            previous_agent_id=event.previous_agent_id,
            reason=AssignmentReason(event.reason),
        )
    elif isinstance(event, Ticket.Unassigned):
        message = CaseAssignedMessage.model_construct(
            **fields, agent_id=None, previous_agent_id=event.previous_agent_id, reason=None
        )
    elif isinstance(event, Ticket.Escalated):
        message = CaseEscalatedMessage.model_construct(
            **fields, level=event.level, reason=event.reason
        )
    elif isinstance(event, Ticket.PriorityChanged):
        message = CasePriorityChangedMessage.model_construct(
            **fields,
            from_priority=Priority(event.from_priority),
            to_priority=Priority(event.to_priority),
        )
    elif isinstance(event, Conversation.MessagePosted):
        message = CaseMessagePostedMessage.model_construct(
            **fields,
            message_id=event.message_id,
            position=event.position,
            author_type=AuthorType(event.author_type),
            author_id=event.author_id,
            internal=event.internal,
            body=event.body,
            attachment_uri=event.attachment_uri,
        )
    else:
        return None
    return Outbound(topic=message.topic, key=str(case.id).encode(), value=message)
