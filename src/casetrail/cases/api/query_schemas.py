"""Response bodies of the read side: case pages, workload, message pages."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from casetrail.cases.api.schemas import ActorRead, CustomerSummary
from casetrail.cases.domain.values import CaseStatus, Channel, Priority


class CaseListItem(BaseModel):
    """A case in a list. Every field is present unless ``fields=`` picked some (``id`` is
    always present)."""

    id: UUID | None = None
    case_number: str | None = None
    customer_id: str | None = None
    subject: str | None = None
    description: str | None = None
    priority: Priority | None = None
    channel: Channel | None = None
    status: CaseStatus | None = None
    tags: list[str] | None = None
    order_id: str | None = None
    external_ref: str | None = None
    assignee_id: str | None = None
    assigned_at: datetime | None = None
    department_id: str | None = None
    escalation_level: int | None = None
    opened_by: ActorRead | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    resolved_at: datetime | None = None
    version: int | None = None
    message_count: int | None = Field(default=None, description="Messages and internal notes.")
    internal_note_count: int | None = None
    first_response_at: datetime | None = Field(
        default=None, description="First reply to the customer from an agent."
    )
    last_activity_at: datetime | None = None
    waiting_since: datetime | None = Field(
        default=None,
        description="Since when the case has been waiting for the support side; null when "
        "the customer has the next move or the case is done.",
    )
    archived_at: datetime | None = None
    customer: CustomerSummary | None = Field(
        default=None, description="The customer's name and tier when the directory knows them."
    )
    sla_due_at: datetime | None = Field(
        default=None,
        description="The case's earliest running SLA deadline (business time applied); null "
        "when no clock runs, and for customers. Sort by it with sort=sla_due.",
    )


class CasePage(BaseModel):
    items: list[CaseListItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
    limit: int


class PriorityCounts(BaseModel):
    urgent: int = 0
    high: int = 0
    medium: int = 0
    low: int = 0
    total: int = 0


class WaitingCase(BaseModel):
    id: UUID
    case_number: str
    subject: str
    priority: Priority
    status: CaseStatus
    waiting_since: datetime


class AgentWorkloadRead(BaseModel):
    agent_id: str
    open: PriorityCounts
    pending: PriorityCounts = Field(description="Cases waiting for the customer.")
    on_hold: PriorityCounts
    oldest_waiting: WaitingCase | None = Field(
        description="The agent's case that has waited longest for the support side."
    )
    assigned_today: int = Field(
        description="Cases assigned to the agent since the start of today (in `timezone`) "
        "and still assigned to them."
    )
    capacity: int = Field(
        description="How many active cases the agent takes at once: their capacity in the"
        " directory, or CASETRAIL_AGENT_CAPACITY for an agent the directory does not know."
    )
    capacity_used: float = Field(
        description="Active cases (open, pending, on hold) divided by capacity; may exceed 1."
    )
    day_started_at: datetime
