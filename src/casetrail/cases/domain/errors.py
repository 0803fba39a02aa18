"""Typed domain errors: each names the rule that was broken."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from casetrail.kernel.errors import DomainError


class InvalidTransition(DomainError):
    slug = "invalid-transition"
    title = "The case does not allow this"

    def __init__(self, current: str, requested: str) -> None:
        super().__init__(f"cannot move a case from '{current}' to '{requested}'")
        self.current = current
        self.requested = requested

    def problem_fields(self) -> dict[str, Any]:
        return {"current_status": self.current}


class CaseIsClosed(DomainError):
    slug = "case-closed"
    title = "The case does not allow this"

    def __init__(self, case_id: UUID) -> None:
        super().__init__(f"case {case_id} is closed and accepts no further changes")
        self.case_id = case_id
        self.current = "closed"

    def problem_fields(self) -> dict[str, Any]:
        return {"current_status": self.current}


class CaseLimitReached(DomainError):
    """A case holds at most so many of something (tags, escalation levels)."""

    slug = "case-limit-reached"
    title = "The case does not allow this"

    def __init__(self, case_id: UUID, what: str, limit: int) -> None:
        super().__init__(f"case {case_id} already has the most {what} a case may have ({limit})")
        self.case_id = case_id
        self.what = what
        self.limit = limit


class CaseNotAssigned(DomainError):
    slug = "case-not-assigned"
    title = "The case does not allow this"

    def __init__(self, case_id: UUID) -> None:
        super().__init__(f"case {case_id} has no assignee")
        self.case_id = case_id
