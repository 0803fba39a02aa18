"""Typed domain errors: each names the rule that was broken."""

from __future__ import annotations

from uuid import UUID


class DomainError(Exception):
    """A command was refused by a business rule."""


class InvalidTransition(DomainError):
    def __init__(self, current: str, requested: str) -> None:
        super().__init__(f"cannot move a case from '{current}' to '{requested}'")
        self.current = current
        self.requested = requested


class CaseIsClosed(DomainError):
    def __init__(self, case_id: UUID) -> None:
        super().__init__(f"case {case_id} is closed and accepts no further changes")
        self.case_id = case_id
        self.current = "closed"


class CaseLimitReached(DomainError):
    """A case holds at most so many of something (tags, escalation levels)."""

    def __init__(self, case_id: UUID, what: str, limit: int) -> None:
        super().__init__(f"case {case_id} already has the most {what} a case may have ({limit})")
        self.case_id = case_id
        self.what = what
        self.limit = limit


class CaseNotAssigned(DomainError):
    def __init__(self, case_id: UUID) -> None:
        super().__init__(f"case {case_id} has no assignee")
        self.case_id = case_id
