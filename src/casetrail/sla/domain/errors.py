"""Typed SLA errors. A definition that breaks a rule names the field at fault, so the HTTP
edge answers a problem document whose ``errors`` list points at it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from casetrail.kernel.errors import Conflict, NotFound, Unprocessable


class InvalidDefinition(Unprocessable):
    slug = "invalid-sla-definition"
    title = "The SLA definition is invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def problem_fields(self) -> dict[str, Any]:
        return {"errors": [{"field": self.field, "message": self.message, "type": "value_error"}]}

    def under(self, prefix: str) -> InvalidDefinition:
        """The same error, its field named from further out (``body.`` for a request)."""
        return InvalidDefinition(f"{prefix}.{self.field}", self.message)


class CalendarNotFound(NotFound):
    slug = "calendar-not-found"
    title = "No such calendar"

    def __init__(self, calendar_id: UUID) -> None:
        super().__init__(f"no calendar {calendar_id}")


class PolicyNotFound(NotFound):
    slug = "policy-not-found"
    title = "No such SLA policy"

    def __init__(self, policy_id: UUID) -> None:
        super().__init__(f"no SLA policy {policy_id}")


class StaleVersion(Conflict):
    slug = "version-conflict"
    title = "The resource has changed since you read it"

    def __init__(self, what: str, expected: int, current: int) -> None:
        super().__init__(f"{what} is at version {current}, not {expected}")
        self.current = current

    def problem_fields(self) -> dict[str, Any]:
        return {"current_version": self.current}
