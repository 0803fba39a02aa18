"""Typed errors: each says, with the rule it names, how the HTTP edge answers it.

A context raises its own subclasses; the HTTP edge turns any of them into a problem
document (RFC 9457) from these attributes alone, so it never needs to know the context.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CasetrailError(Exception):
    """A request could not be carried out, for a reason the caller can act on."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "The request cannot be carried out"
    # Extra headers of the answer, e.g. Retry-After.
    headers: ClassVar[dict[str, str]] = {}

    def problem_fields(self) -> dict[str, Any]:
        """Members of the problem document beyond type, title, status and detail."""
        return {}


class DomainError(CasetrailError):
    """A command was refused by a business rule."""

    status = 409
    slug = "rule-broken"
    title = "The rules do not allow this"


class NotFound(CasetrailError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(CasetrailError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class Unprocessable(CasetrailError):
    status = 422
    slug = "unprocessable"
    title = "The request cannot be processed"
