"""Request and response bodies. Limits are part of the contract and documented in the README."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    UrlConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from casetrail.cases.domain.values import (
    AssignmentReason,
    AuthorType,
    CaseStatus,
    Channel,
    Priority,
)
from casetrail.kernel.ids import MAX_ID
from casetrail.kernel.storable_text import UNSTORABLE_MESSAGE, unstorable_in

MAX_SUBJECT = 255
MAX_TEXT = 65_536  # description and message bodies: 64 KiB of characters
MAX_REASON = 1_000
MAX_TAGS = 20
MAX_TAG = 50

Identifier = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ID)
]
Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        min_length=1,
        max_length=MAX_TAG,
        pattern=r"^[\w:.-]+$",
    ),
]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS)]
MAX_URI = 2_048
AttachmentUri = Annotated[
    AnyUrl, UrlConstraints(allowed_schemes=["https", "s3"], host_required=True)
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REASON)
]


class Request(BaseModel):
    # Unknown fields are refused so that a typo never silently drops data.
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def storable(cls, value: Any) -> Any:
        """Every text field of every request body: nothing the read models cannot hold."""
        if unstorable_in(value):
            raise PydanticCustomError("unstorable_text", UNSTORABLE_MESSAGE)
        return value


class CaseCreate(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "customer_id": "cust-17",
                    "subject": "Parcel never arrived",
                    "description": "Ordered on the 2nd, tracking stopped on the 4th.",
                    "priority": "high",
                    "channel": "email",
                    "tags": ["shipping"],
                    "order_id": "order-42",
                }
            ]
        }
    )

    customer_id: Identifier
    subject: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SUBJECT)
    ]
    description: Annotated[str, StringConstraints(max_length=MAX_TEXT)] = ""
    priority: Priority = Priority.MEDIUM
    channel: Channel = Channel.WEB
    tags: Tags = Field(default_factory=list)
    order_id: Identifier | None = None
    external_ref: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
        | None
    ) = Field(default=None, description="The case's id in another system, e.g. Shopify or Gorgias.")


class MessageCreate(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"body": "We have asked the carrier and will write again tomorrow."},
                {"body": "Carrier confirms the parcel is lost", "internal": True},
            ]
        }
    )

    author_type: AuthorType | None = Field(
        default=None,
        description="Who wrote it. People post as themselves (the token's role and subject), "
        "so they may leave it out; only services (bots, imports) name another author.",
    )
    author_id: Identifier | None = None
    body: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
    attachment_uri: AttachmentUri | None = Field(
        default=None,
        description="Where the attachment is stored: an https or s3 URI (never a scheme a "
        "browser would run or read locally, such as javascript:, data: or file:).",
    )
    internal: bool = Field(
        default=False, description="An agent-only note, never shown to the customer."
    )

    @field_validator("attachment_uri")
    @classmethod
    def bounded_uri(cls, value: AnyUrl | None) -> AnyUrl | None:
        if value is not None and len(str(value)) > MAX_URI:
            raise ValueError(f"attachment_uri must be at most {MAX_URI} characters")
        return value


class StatusChange(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "resolved", "reason": "replacement shipped"}]}
    )

    status: CaseStatus
    reason: Reason | None = None


class PriorityChange(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"priority": "urgent"}]})

    priority: Priority


class Assignment(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"agent_id": "agent-7", "reason": "manual"}]}
    )

    agent_id: Identifier
    reason: AssignmentReason = AssignmentReason.MANUAL


class Escalation(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "customer threatens a chargeback"}]}
    )

    reason: Reason


class TagsChange(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"tags": ["shipping", "vip"]}]})

    tags: Annotated[list[Tag], Field(min_length=1, max_length=MAX_TAGS)]


class ActorRead(BaseModel):
    subject: str
    role: str


class CustomerSummary(BaseModel):
    """Who the case's customer is, when the directory knows them."""

    name: str
    tier: str


class CaseUpdate(Request):
    """Only the fields sent change; each change is an event in the case's history."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"subject": "Parcel lost in transit", "external_ref": "gorgias:8812"}]
        }
    )

    subject: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SUBJECT)
        ]
        | None
    ) = None
    description: Annotated[str, StringConstraints(max_length=MAX_TEXT)] | None = None
    external_ref: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
        | None
    ) = Field(default=None, description="null clears it.")
    customer_id: Identifier | None = Field(
        default=None,
        description="Move the case to another customer (known to the directory or not).",
    )

    @field_validator("subject", "description", "customer_id")
    @classmethod
    def not_cleared(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be cleared")
        return value


class CaseRead(BaseModel):
    id: UUID
    case_number: str
    customer_id: str
    subject: str
    description: str
    priority: Priority
    channel: Channel
    status: CaseStatus
    tags: list[str]
    order_id: str | None
    external_ref: str | None
    assignee_id: str | None
    department_id: str | None = None
    escalation_level: int
    opened_by: ActorRead
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    version: int
    archived_at: datetime | None = Field(
        default=None, description="Set while the case is archived (hidden from lists)."
    )
    customer: CustomerSummary | None = Field(
        default=None,
        description="The customer's name and tier when the directory knows them (not shown "
        "to analysts).",
    )


class CaseOpened(BaseModel):
    id: UUID
    case_number: str
    status: CaseStatus
    version: int


class MessageRead(BaseModel):
    message_id: UUID
    case_id: UUID
    position: int
    author_type: AuthorType
    author_id: str
    body: str
    attachment_uri: str | None
    internal: bool
    posted_at: datetime


class MessagePosted(BaseModel):
    message_id: UUID
    case_id: UUID
    position: int


class MessagePage(BaseModel):
    items: list[MessageRead]
    next_cursor: str | None = None


class HistoryEntryRead(BaseModel):
    stream: Literal["case", "conversation"]
    version: int
    type: str
    at: datetime
    actor: ActorRead
    data: dict[str, Any]


class CaseHistory(BaseModel):
    case_id: UUID
    items: list[HistoryEntryRead]
