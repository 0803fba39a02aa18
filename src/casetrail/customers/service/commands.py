"""Commands to the directory, named in the imperative, and what they answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from casetrail.customers.domain.values import Tier
from casetrail.kernel.actor import Actor


@dataclass(frozen=True)
class RegisterCustomer:
    name: str
    email: str | None = None
    phone: str | None = None
    external_ids: dict[str, str] = field(default_factory=dict)
    timezone: str | None = None
    language: str | None = None
    tier: Tier = Tier.STANDARD
    # Chosen by the client (e.g. the customer's token subject); generated when None.
    customer_id: str | None = None


@dataclass(frozen=True)
class ChangeCustomer:
    customer_id: str
    # Field name -> new value, only for the fields the client sent.
    changes: dict[str, Any]


@dataclass(frozen=True)
class MergeCustomers:
    survivor_id: str
    duplicate_id: str


@dataclass(frozen=True)
class DirectoryContext:
    actor: Actor
    # The customer's version the client saw (If-Match): a stale one is refused.
    expected_version: int | None = None


@dataclass(frozen=True)
class DirectoryResult:
    customer_id: str
    version: int
    # Notification id of the last event written; None when nothing was written.
    position: int | None
    # False when the customer already existed (an import seen before).
    created: bool = False
