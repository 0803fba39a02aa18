"""Value objects shared by the support aggregates."""

from __future__ import annotations

import re
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


# What people type or read out: "CS-000123", "cs-123" (any case, leading zeros optional).
CASE_NUMBER_PATTERN = r"^[Cc][Ss]-[0-9]{1,18}$"
_CASE_NUMBER = re.compile(CASE_NUMBER_PATTERN)


def parse_case_number(text: str) -> str | None:
    """The case number ``text`` names, as cases carry it; None if it names none."""
    text = text.strip()
    if not _CASE_NUMBER.match(text):
        return None
    return format_case_number(int(text[3:]))
