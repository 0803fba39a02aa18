"""Errors of the directory's write side besides its domain's."""

from __future__ import annotations

from typing import Any

from casetrail.kernel.errors import Conflict, NotFound


class CustomerNotFound(NotFound):
    slug = "customer-not-found"
    title = "Customer not found"

    def __init__(self, customer_id: str, *, field: str | None = None) -> None:
        super().__init__(f"no customer with id {customer_id!r}")
        self.customer_id = customer_id
        self.field = field

    def problem_fields(self) -> dict[str, Any]:
        if self.field is None:
            return {}
        return {"errors": [{"field": self.field, "message": str(self), "type": "not_found"}]}


class CustomerVersionConflict(Conflict):
    slug = "version-conflict"
    title = "The customer has changed"

    def __init__(self, customer_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"customer {customer_id!r} is at version {actual}, not {expected}: reload and retry"
        )
        self.actual = actual

    def problem_fields(self) -> dict[str, Any]:
        return {"current_version": self.actual}


class DirectoryContention(Conflict):
    slug = "contention"
    title = "Too many concurrent changes"
    headers = {"Retry-After": "1"}  # noqa: RUF012 (read only)

    def __init__(self, customer_id: str) -> None:
        super().__init__(f"customer {customer_id!r} is changing too fast; retry")
