"""The record of the customer list: one row per customer id."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from uuid import UUID

# The projection's name (queries may wait for it: read-your-writes).
CUSTOMER_LIST = "customer_list"


@dataclass
class CustomerRow:
    customer_id: str
    stream_id: UUID
    name: str
    email: str | None
    phone: str | None
    external_ids: dict[str, str]
    timezone: str | None
    language: str | None
    tier: str
    status: str
    merged_into: str | None
    merged_ids: list[str]
    created_at: datetime
    updated_at: datetime
    version: int


CUSTOMER_COLUMNS: tuple[str, ...] = tuple(field.name for field in fields(CustomerRow))
