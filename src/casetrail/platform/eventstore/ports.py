"""What the write side needs from the outside world, as small typed seams."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import StoredEvent

Clock = Callable[[], datetime]
IdSource = Callable[[], UUID]


@dataclass(frozen=True)
class IdempotencyRecord:
    key: str
    fingerprint: str
    result: dict[str, Any]


@runtime_checkable
class SupportRecorder(Protocol):
    """An application recorder that also keeps idempotency records and case numbers.

    ``insert_events(stored, idempotency_records=[...])`` writes both in one transaction and
    raises ``eventsourcing.persistence.IntegrityError`` if either conflicts.
    """

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None: ...

    def select_idempotency_record(self, key: str) -> IdempotencyRecord | None: ...

    def expire_idempotency_records(self, older_than: timedelta) -> int:
        """Delete the records recorded longer ago than that (by the store's clock, which
        stamped them); answers how many."""
        ...

    def delete_idempotency_records(self, case_ids: Collection[UUID]) -> int:
        """Delete the records of commands on these cases (their customer was erased)."""
        ...

    def allocate_case_numbers(self, count: int) -> list[int]:
        """Unique numbers for human-readable case numbers (gaps allowed)."""
        ...
