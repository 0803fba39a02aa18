"""Who issued a command: recorded on every event, so the stream is the audit trail."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    subject: str
    role: str


# casetrail itself, when it decides (a timer fired, a rule, an import).
SYSTEM = Actor(subject="casetrail", role="SYSTEM")
