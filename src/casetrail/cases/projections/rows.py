"""The records of the read models: one row per case, one row per message."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from uuid import UUID

from casetrail.cases.domain.priority import priority_rank as rank_of


@dataclass
class CaseRow:
    id: UUID
    case_number: str
    customer_id: str
    subject: str
    description: str
    priority: str
    channel: str
    status: str
    tags: list[str]
    order_id: str | None
    external_ref: str | None
    assignee_id: str | None
    assigned_at: datetime | None
    # The department the case was last routed to.
    department_id: str | None
    escalation_level: int
    opened_by_subject: str
    opened_by_role: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    version: int
    conversation_id: UUID
    message_count: int
    internal_note_count: int
    first_response_at: datetime | None
    last_activity_at: datetime
    # Since when the case has been waiting for the support side (None: the ball is with the
    # customer, or the case is done). The agent workload's "oldest waiting case" reads it.
    waiting_since: datetime | None
    # Archived cases are hidden from lists unless asked for (never destroyed).
    archived_at: datetime | None = None

    @property
    def priority_rank(self) -> int:
        return rank_of(self.priority)


CASE_COLUMNS: tuple[str, ...] = tuple(field.name for field in fields(CaseRow))


@dataclass(frozen=True)
class MessageRow:
    message_id: UUID
    conversation_id: UUID
    case_id: UUID | None
    position: int
    author_type: str
    author_id: str
    body: str
    attachment_uri: str | None
    internal: bool
    posted_at: datetime


MESSAGE_COLUMNS: tuple[str, ...] = tuple(field.name for field in fields(MessageRow))
