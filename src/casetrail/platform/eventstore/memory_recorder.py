"""An in-memory event store with idempotency records, for unit tests and throwaway demos.

Same contract as the PostgreSQL recorder: events and idempotency records are written
together or not at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, IntegrityError, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory

from casetrail.platform.eventstore.ports import IdempotencyRecord


class MemoryRecorder(POPOApplicationRecorder):
    def __init__(self) -> None:
        super().__init__()
        self._idempotency: dict[str, IdempotencyRecord] = {}
        self._recorded_at: dict[str, datetime] = {}
        self._case_numbers = itertools.count(1)

    def _insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        records: Sequence[IdempotencyRecord] = kwargs.get("idempotency_records") or ()
        with self._database_lock:
            keys = [record.key for record in records]
            if len(set(keys)) < len(keys) or any(key in self._idempotency for key in keys):
                raise IntegrityError(f"idempotency key already recorded: {keys}")
            ids = super()._insert_events(stored_events, **kwargs)
            self._idempotency.update((record.key, record) for record in records)
            now = datetime.now(UTC)
            self._recorded_at.update((record.key, now) for record in records)
            return ids

    def select_idempotency_record(self, key: str) -> IdempotencyRecord | None:
        with self._database_lock:
            return self._idempotency.get(key)

    def expire_idempotency_records(self, older_than: timedelta) -> int:
        recorded_before = datetime.now(UTC) - older_than
        with self._database_lock:
            expired = [key for key, at in self._recorded_at.items() if at < recorded_before]
            return self._forget(expired)

    def delete_idempotency_records(self, case_ids: Collection[UUID]) -> int:
        cases = {str(case_id) for case_id in case_ids}
        with self._database_lock:
            return self._forget(
                [
                    key
                    for key, record in self._idempotency.items()
                    if record.result.get("case_id") in cases
                ]
            )

    def _forget(self, keys: Sequence[str]) -> int:
        for key in keys:
            del self._idempotency[key]
            del self._recorded_at[key]
        return len(keys)

    def allocate_case_numbers(self, count: int) -> list[int]:
        with self._database_lock:
            return [next(self._case_numbers) for _ in range(count)]


class MemoryFactory(POPOFactory):
    def application_recorder(self) -> ApplicationRecorder:
        return MemoryRecorder()
