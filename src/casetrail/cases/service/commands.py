"""Command messages: instructions to the write side, named in the imperative."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any
from uuid import UUID

from casetrail.cases.domain.values import (
    AssignmentReason,
    AuthorType,
    CaseStatus,
    Channel,
    Priority,
)
from casetrail.kernel.actor import Actor


@dataclass(frozen=True)
class CommandContext:
    """What comes with every command besides its content."""

    actor: Actor
    # A stale expected version is refused instead of being retried (HTTP If-Match).
    expected_version: int | None = None
    # The client's key: repeated by the same actor with the same fingerprint, it replays
    # the first result (within the desk's retention).
    idempotency_key: str | None = None
    fingerprint: str = ""


@dataclass(frozen=True)
class OpenCase:
    customer_id: str
    subject: str
    description: str
    priority: Priority = Priority.MEDIUM
    channel: Channel = Channel.WEB
    tags: tuple[str, ...] = ()
    order_id: str | None = None
    external_ref: str | None = None
    case_id: UUID | None = None

    def stated(self) -> dict[str, Any]:
        """What the opener states about the case, by the names ``Ticket.open`` takes."""
        return {
            item.name: getattr(self, item.name) for item in fields(self) if item.name != "case_id"
        }


@dataclass(frozen=True)
class PostMessage:
    case_id: UUID
    author_type: AuthorType
    author_id: str
    body: str
    attachment_uri: str | None = None
    internal: bool = False


@dataclass(frozen=True)
class ChangeStatus:
    case_id: UUID
    status: CaseStatus
    reason: str | None = None


@dataclass(frozen=True)
class ChangePriority:
    case_id: UUID
    priority: Priority


@dataclass(frozen=True)
class AssignCase:
    case_id: UUID
    agent_id: str
    reason: AssignmentReason = AssignmentReason.MANUAL


@dataclass(frozen=True)
class UnassignCase:
    case_id: UUID


@dataclass(frozen=True)
class EscalateCase:
    case_id: UUID
    reason: str


@dataclass(frozen=True)
class RouteCase:
    case_id: UUID
    department_id: str
    reason: str


@dataclass(frozen=True)
class TagCase:
    case_id: UUID
    tags: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class UntagCase:
    case_id: UUID
    tags: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class EditCase:
    case_id: UUID
    # Field name -> new value, only for what the client sent (subject, description,
    # external_ref, customer_id).
    changes: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ArchiveCase:
    case_id: UUID


@dataclass(frozen=True)
class RestoreCase:
    case_id: UUID


TicketCommand = (
    ChangeStatus
    | ChangePriority
    | AssignCase
    | UnassignCase
    | EscalateCase
    | RouteCase
    | TagCase
    | UntagCase
)
