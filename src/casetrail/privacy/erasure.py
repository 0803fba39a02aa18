"""Erasing a customer: destroy their key, log who asked, then reach every copy at once.

The key makes the events read as erased; copies made from them while they were readable
are then rewritten or deleted in the same request:

- the read models (every version, including the ones kept after a rebuild), rewritten as a
  rebuild would write them now;
- the idempotency records of their cases (each names a case and answers for a request);
- the cached timelines of their cases (Redis or this process's memory), deleted.

A customer merged with others in the directory is one person under several ids: erasing any
of them erases them all (the survivor and every id merged into it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from casetrail.cases.published import SupportDesk
from casetrail.customers.published import CustomerDirectory
from casetrail.kernel.actor import Actor
from casetrail.platform.eventstore.postgres_recorder import SupportEventRecorder
from casetrail.privacy.erasure_command import EraseCustomer, ErasureReceipt
from casetrail.privacy.read_model_copies import ReadModelRows
from casetrail.privacy.shredding import KeyCache, ShreddingMapper

# How long an erasure waits for the projections in use to pass the customer's last event.
READ_MODEL_WAIT_SECONDS = 10.0


class ErasedCopies(Protocol):
    """Somewhere data read from a customer's events was copied to."""

    def erase_streams(self, stream_ids: Sequence[UUID]) -> None:
        """Rewrite or delete what was copied from these streams (cases, conversations)."""
        ...


class IdempotencyRecords:
    def __init__(self, desk: SupportDesk) -> None:
        self._desk = desk

    def erase_streams(self, stream_ids: Sequence[UUID]) -> None:
        self._desk.forget_idempotency_records(stream_ids)


class KeyShredder:
    def __init__(
        self,
        keys: KeyCache,
        clock: Callable[[], datetime],
        copies: Sequence[ErasedCopies] = (),
        same_person: Callable[[str], Sequence[str]] = lambda customer_id: [customer_id],
    ) -> None:
        self._keys = keys
        self._clock = clock
        self._copies = copies
        self._same_person = same_person

    def erase(self, command: EraseCustomer, actor: Actor) -> ErasureReceipt:
        """Idempotent: erasing again finds no key, and reaches the copies again."""
        at = self._clock()
        customer_ids = list(
            dict.fromkeys([command.customer_id, *self._same_person(command.customer_id)])
        )
        existed = False
        streams: list[UUID] = []
        for customer_id in customer_ids:
            existed |= self._keys.store.destroy(customer_id, actor, command.reason, at)
            self._keys.forget(customer_id)
            streams += self._keys.store.streams(customer_id)
        if streams:
            for copies in self._copies:
                copies.erase_streams(streams)
        return ErasureReceipt(
            customer_id=command.customer_id,
            erased_at=at,
            requested_by=actor,
            key_existed=existed,
            customer_ids=tuple(customer_ids),
        )


def erasure_for(
    desk: SupportDesk,
    clock: Callable[[], datetime],
    *,
    timeline: ErasedCopies | None = None,
    read_model_wait_seconds: float = READ_MODEL_WAIT_SECONDS,
) -> KeyShredder | None:
    """The erasure service of a desk that stores personal fields encrypted (else None):
    its read models and idempotency records are those of the desk's database; ``timeline``
    is the process's timeline cache, when it has one."""
    mapper = desk.mapper
    if not isinstance(mapper, ShreddingMapper):
        return None
    copies: list[ErasedCopies] = []
    if isinstance(desk.recorder, SupportEventRecorder):
        copies.append(ReadModelRows(desk, desk.recorder, read_model_wait_seconds))
    copies.append(IdempotencyRecords(desk))
    if timeline is not None:
        copies.append(timeline)  # last: a refill after it reads the rewritten rows
    directory = CustomerDirectory(desk, clock=clock)
    return KeyShredder(mapper.keys, clock, copies, same_person=directory.group)
