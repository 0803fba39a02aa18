"""What the consumers need from the outside world; infra provides PostgreSQL and Kafka ones,
the unit tests in-memory fakes."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from casetrail.commerce.dead_letters import DeadLetter
from casetrail.commerce.plan import BatchPlan

# (topic, partition) → the offset of the next message to apply.
Partition = tuple[str, int]
Positions = dict[Partition, int]


class TransientError(RuntimeError):
    """Worth retrying: the batch is kept, nothing is skipped, nothing is stored."""


class StoreUnavailable(TransientError):
    """The database cannot be reached (down, restarting, connection lost)."""


class StoreConflict(TransientError):
    """Another writer stored some of the same events meanwhile; a retry skips them."""


class StoreRefused(RuntimeError):
    """The database refused a value of the batch (one it cannot store, though it passed
    validation). Not transient: the processor finds the message and dead-letters it."""


class DeadLetterUnavailable(TransientError):
    """The dead-letter topic did not acknowledge in time."""


class ContextTransaction(Protocol):
    def lock_positions(self, group: str, partitions: Collection[Partition]) -> Positions:
        """The stored positions of these partitions, locked until the end of the transaction
        (two consumers that both hold a batch of one partition take turns)."""
        ...

    def apply(self, plan: BatchPlan) -> dict[str, int]:
        """Write the plan's rows; return how many events were new, per event topic (the rest
        were already in the log: duplicates)."""
        ...

    def save_positions(self, group: str, positions: Mapping[Partition, int]) -> None: ...


class ContextStore(Protocol):
    def transaction(self) -> AbstractContextManager[ContextTransaction]:
        """One transaction: everything inside commits together or not at all. Raises
        :class:`StoreUnavailable` when the database cannot be reached."""
        ...

    def positions(self, group: str, topics: Collection[str]) -> Positions:
        """Stored positions of the group on these topics (to seek to on assignment)."""
        ...


class DeadLetterSink(Protocol):
    def send(self, letters: Sequence[DeadLetter]) -> None:
        """Deliver all of them durably before returning, or raise
        :class:`DeadLetterUnavailable`."""
        ...


class ContextChanges(Protocol):
    """Told after each commit which customers' and orders' context changed, so whatever
    shows that context (the case timeline's cached answers) can drop it. Never raises."""

    def context_changed(self, customer_ids: Collection[str], order_ids: Collection[str]) -> None:
        """Commerce events of these customers and orders were committed."""
        ...
