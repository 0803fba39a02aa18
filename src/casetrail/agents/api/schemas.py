"""Request and response bodies of the directory. Limits are part of the contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from casetrail.agents.domain.values import Presence, Seniority
from casetrail.cases.api.published import ActorRead, CaseListItem, Reason, Request
from casetrail.kernel.ids import MAX_ID

MAX_NAME = 200
MAX_DESCRIPTION = 2_000
MAX_LABELS = 50
MAX_LABEL = 50
MAX_DEPARTMENTS = 50
MAX_CAPACITY = 10_000

AgentId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_ID, pattern=r"^[A-Za-z0-9._:@|-]+$"
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)]
Label = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        min_length=1,
        max_length=MAX_LABEL,
        pattern=r"^[\w:.-]+$",
    ),
]
Labels = Annotated[list[Label], Field(max_length=MAX_LABELS)]
DepartmentIds = Annotated[
    list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]],
    Field(max_length=MAX_DEPARTMENTS, description="Ids of departments the directory has."),
]
Capacity = Annotated[
    int, Field(gt=0, le=MAX_CAPACITY, description="The most open cases the agent takes at once.")
]
# Paths under /support/agents that are not an agent.
RESERVED_AGENT_IDS = frozenset({"available"})
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_DESCRIPTION)]


class AgentCreate(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "agent-ana",
                    "name": "Ana",
                    "email": "ana@example.com",
                    "roles": ["agent"],
                    "department_ids": [],
                    "skills": ["billing"],
                    "capacity": 5,
                    "seniority": "senior",
                }
            ]
        }
    )

    id: AgentId | None = Field(
        default=None,
        description="Chosen by the client so that it matches the agent's token `sub`;"
        " made up when left out.",
    )
    name: Name
    email: EmailStr
    roles: Labels = Field(default_factory=list)
    department_ids: DepartmentIds = Field(default_factory=list)
    skills: Labels = Field(default_factory=list)
    capacity: Capacity
    seniority: Seniority = Seniority.JUNIOR

    @field_validator("id")
    @classmethod
    def not_a_route(cls, value: str | None) -> str | None:
        if value in RESERVED_AGENT_IDS:
            raise ValueError(f"{value!r} names a route under /support/agents; choose another id")
        return value


class AgentUpdate(Request):
    """The fields to change; those left out stay as they are."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"capacity": 6, "skills": ["billing", "returns"]}]}
    )

    name: Name | None = None
    email: EmailStr | None = None
    roles: Labels | None = None
    department_ids: DepartmentIds | None = None
    skills: Labels | None = None
    capacity: Capacity | None = None
    seniority: Seniority | None = None


class AgentRead(BaseModel):
    id: str
    name: str
    email: str
    roles: list[str]
    department_ids: list[str]
    skills: list[str]
    capacity: int
    seniority: Seniority
    status: Presence
    presence_expires_at: datetime | None = Field(
        description="When the presence lapses unless renewed (a heartbeat, a login, a status);"
        " null when offline."
    )
    registered_at: datetime
    updated_at: datetime
    version: int


class AgentPage(BaseModel):
    items: list[AgentRead]
    next_cursor: str | None = None
    limit: int


class AvailableAgentRead(AgentRead):
    active_cases: int = Field(description="Open, pending and on-hold cases assigned to them.")
    free_capacity: int = Field(description="Capacity minus active cases; always above 0 here.")


class AvailableAgents(BaseModel):
    items: list[AvailableAgentRead]


class PresenceChange(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "online"}]})

    status: Presence


class PresenceRead(BaseModel):
    agent_id: str
    status: Presence
    presence_expires_at: datetime | None
    version: int


class AgentQueue(BaseModel):
    agent_id: str
    capacity: int
    items: list[CaseListItem] = Field(
        description="The agent's open, pending and on-hold cases in working order: the"
        " nearest SLA deadline (sla_due_at) first; then, without a running deadline, those"
        " waiting for the support side, longest waiting first; then the others, least"
        " recently updated first."
    )


class DepartmentCreate(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "Billing", "description": "Invoices, refunds and payments"}]
        }
    )

    name: Name
    description: Description = ""


class DepartmentUpdate(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"description": "Invoices and refunds"}]}
    )

    name: Name | None = None
    description: Description | None = None


class DepartmentRead(BaseModel):
    id: UUID
    name: str
    description: str
    created_at: datetime
    updated_at: datetime
    version: int


class DepartmentPage(BaseModel):
    items: list[DepartmentRead]
    next_cursor: str | None = None
    limit: int


class DirectoryHistoryEntryRead(BaseModel):
    version: int
    type: str
    at: datetime
    actor: ActorRead
    data: dict[str, Any]


class DirectoryHistory(BaseModel):
    id: str
    items: list[DirectoryHistoryEntryRead]


class CaseRouting(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "department_id": "5b1f3c9e-2f7a-4d2b-9a51-0c8e7d6f4a21",
                    "reason": "billing question",
                }
            ]
        }
    )

    department_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
    ]
    reason: Reason


class RoutingEntryRead(BaseModel):
    version: int = Field(description="The case's version this move made.")
    at: datetime
    from_department_id: str | None = Field(description="Null for the first routing.")
    to_department_id: str
    reason: str
    by: ActorRead = Field(description="Who or what made the move (a person, a rule, SYSTEM).")


class RoutingHistory(BaseModel):
    case_id: UUID
    department_id: str | None = Field(description="Where the case is now.")
    items: list[RoutingEntryRead]
