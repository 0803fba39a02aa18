"""Value objects shared by the support aggregates."""

from __future__ import annotations

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


def format_case_number(sequence_number: int) -> str:
    return f"CS-{sequence_number:06d}"
