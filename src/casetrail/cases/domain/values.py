"""Value objects shared by the support aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class Channel(StrEnum):
    EMAIL = "email"
    CHAT = "chat"
    PHONE = "phone"
    SMS = "sms"
    WEB = "web"
    API = "api"


class CaseStatus(StrEnum):
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"


class AuthorType(StrEnum):
    AGENT = "AGENT"
    CUSTOMER = "CUSTOMER"
    BOT = "BOT"


class AssignmentReason(StrEnum):
    MANUAL = "manual"
    AUTO = "auto"
    TRANSFER = "transfer"


@dataclass(frozen=True)
class Actor:
    """Who issued a command: recorded on every event, so the stream is the audit trail."""

    subject: str
    role: str


SYSTEM = Actor(subject="casetrail", role="SYSTEM")


def format_case_number(sequence_number: int) -> str:
    return f"CS-{sequence_number:06d}"
