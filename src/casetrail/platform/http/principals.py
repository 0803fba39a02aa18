"""Who is calling: the principal a verified token describes, and what its role may do."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from casetrail.kernel.actor import Actor


class Role(StrEnum):
    AGENT = "AGENT"
    SUPERVISOR = "SUPERVISOR"
    ANALYST = "ANALYST"
    CUSTOMER = "CUSTOMER"
    SERVICE = "SERVICE"


class Scope(StrEnum):
    """What a SERVICE (client-credentials) token may do; people's tokens go by role."""

    CASES_READ = "cases:read"
    CASES_WRITE = "cases:write"
    CASES_ASSIGN = "cases:assign"
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    CUSTOMERS_EXPORT = "customers:export"
    CUSTOMERS_ERASE = "customers:erase"
    DIRECTORY_READ = "directory:read"
    DIRECTORY_MANAGE = "directory:manage"
    SLA_MANAGE = "sla:manage"


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    scopes: frozenset[str] = field(default_factory=frozenset)
    # The customer a CUSTOMER token speaks for (its subject unless the token names one).
    customer_id: str | None = None

    @property
    def actor(self) -> Actor:
        # What the event store records as having issued a command.
        return Actor(subject=self.subject, role=self.role.value)

    @property
    def client_key(self) -> str:
        """The rate limit's unit: one client, whichever role it holds."""
        return f"{self.role.value}:{self.subject}"
