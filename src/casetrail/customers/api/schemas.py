"""Request and response bodies of the directory (``CustomerCreate / CustomerUpdate /
CustomerRead / CustomerPage`` on one base)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from casetrail.cases.api.published import ActorRead
from casetrail.cases.api.published import Request as RequestBody
from casetrail.customers.domain.values import CustomerStatus, ExternalSystem, Tier
from casetrail.kernel.ids import MAX_ID

MAX_NAME = 255
MAX_PHONE = 32

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)]
Phone = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=3, max_length=MAX_PHONE, pattern=r"^\+?[0-9 ()./-]{3,32}$"
    ),
]
ExternalIdValue = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ID)
]
ExternalIds = Annotated[
    dict[ExternalSystem, ExternalIdValue],
    Field(
        description="The customer's id in other systems, by system: "
        + ", ".join(system.value for system in ExternalSystem)
        + "."
    ),
]
Language = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$"),
]
CustomerId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_ID, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
# A registered id is also a path segment (/support/customers/{id}): no "/" in it.
NewCustomerId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_ID, pattern=r"^[^\x00-\x1f\x7f/]+$"
    ),
]


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_timezone(value: str | None) -> str | None:
    if value is not None and value not in _timezones():
        raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Berlin)")
    return value


class CustomerFields(RequestBody):
    @field_validator("timezone", check_fields=False)
    @classmethod
    def iana_timezone(cls, value: str | None) -> str | None:
        return valid_timezone(value)


class CustomerCreate(CustomerFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Sarah Lee",
                    "email": "sarah@example.com",
                    "external_ids": {"shopify": "7421"},
                    "timezone": "Europe/Berlin",
                    "language": "de",
                    "tier": "vip",
                }
            ]
        }
    )

    id: NewCustomerId | None = Field(
        default=None,
        description="The customer's id, e.g. the subject of their access token; generated "
        "when left out.",
    )
    name: Name
    email: EmailStr | None = None
    phone: Phone | None = None
    external_ids: ExternalIds = Field(default_factory=dict)
    timezone: str | None = Field(default=None, description="IANA time zone, e.g. Europe/Berlin.")
    language: Language | None = Field(default=None, description="BCP 47 tag, e.g. de or pt-BR.")
    tier: Tier = Tier.STANDARD


class CustomerUpdate(CustomerFields):
    """Only the fields sent change; ``null`` clears an optional one."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"phone": "+49 30 1234567", "tier": "standard"}]}
    )

    name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    external_ids: ExternalIds | None = None
    timezone: str | None = None
    language: Language | None = None
    tier: Tier | None = None

    @field_validator("name", "tier")
    @classmethod
    def required(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be cleared")
        return value

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, mode="json")


class CustomerMerge(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"from_customer_id": "cust-8812"}]})

    from_customer_id: CustomerId = Field(
        description="The duplicate: its cases, context and history show under this customer "
        "from now on, and it answers with merged_into pointing here."
    )


class CustomerRead(BaseModel):
    id: str
    name: str
    email: str | None = Field(description="'[erased]' once the customer is erased.")
    phone: str | None
    external_ids: dict[str, str]
    timezone: str | None
    language: str | None
    tier: Tier
    status: CustomerStatus
    merged_into: str | None = Field(
        description="Set on a merged duplicate: the customer it now is (follow this id)."
    )
    merged_ids: list[str] = Field(description="The customers merged into this one.")
    version: int
    created_at: datetime
    updated_at: datetime


class CustomerRegistered(CustomerRead):
    created: bool = Field(
        description="False when the customer was already known (by id or an external id): "
        "the existing customer, unchanged."
    )


class CustomerPage(BaseModel):
    items: list[CustomerRead]
    next_cursor: str | None


class CustomerHistoryEntry(BaseModel):
    customer_id: str
    version: int
    type: str
    at: datetime
    actor: ActorRead
    data: dict[str, Any]


class CustomerHistory(BaseModel):
    customer_id: str
    items: list[CustomerHistoryEntry]
