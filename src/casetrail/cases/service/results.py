"""What a command answers, and the errors the write side raises besides domain errors."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from casetrail.kernel.errors import Conflict, NotFound, Unprocessable


@dataclass(frozen=True)
class CommandResult:
    case_id: UUID
    # The case's version after the command (the ETag clients send back in If-Match).
    version: int
    # Notification id of the last event written; None when the command changed nothing or
    # when the result is a replay of an earlier request.
    position: int | None
    case_number: str | None = None
    message_id: UUID | None = None
    message_position: int | None = None
    replayed: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["case_id"] = str(self.case_id)
        data["message_id"] = str(self.message_id) if self.message_id else None
        data.pop("replayed")
        data["position"] = None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CommandResult:
        return cls(
            case_id=UUID(data["case_id"]),
            version=int(data["version"]),
            position=None,
            case_number=data.get("case_number"),
            message_id=UUID(data["message_id"]) if data.get("message_id") else None,
            message_position=data.get("message_position"),
            replayed=True,
        )


class CaseNotFound(NotFound):
    slug = "case-not-found"
    title = "Case not found"

    def __init__(
        self, case_id: UUID, *, opened_at: datetime | None = None, as_of: datetime | None = None
    ) -> None:
        if opened_at is not None and as_of is not None:
            # The case exists, but not yet at the moment asked about: say so.
            detail = (
                f"case {case_id} did not exist yet at {as_of.isoformat()}:"
                f" it was opened at {opened_at.isoformat()}"
            )
        else:
            detail = f"no case with id {case_id}"
        super().__init__(detail)
        self.case_id = case_id


class VersionConflict(Conflict):
    slug = "version-conflict"
    title = "The case has changed"

    def __init__(self, case_id: UUID, expected: int, actual: int) -> None:
        super().__init__(
            f"case {case_id} is at version {actual}, not {expected}: reload it and retry"
        )
        self.case_id = case_id
        self.expected = expected
        self.actual = actual

    def problem_fields(self) -> dict[str, Any]:
        return {"current_version": self.actual}


class IdempotencyKeyReused(Unprocessable):
    slug = "idempotency-key-reused"
    title = "Idempotency-Key reused"

    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key {key!r} was already used for a different request")
        self.key = key


class TooMuchContention(Conflict):
    """Concurrent writers kept winning; the caller may retry later."""

    slug = "contention"
    title = "Too many concurrent changes"
    headers = {"Retry-After": "1"}  # noqa: RUF012 (read only)

    def __init__(self, case_id: UUID) -> None:
        super().__init__(f"case {case_id} is changing too fast; retry the command")
        self.case_id = case_id
