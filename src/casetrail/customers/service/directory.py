"""The customer directory: the write side of customers, on the support event store.

Customers live in the same event store as cases (one notification log, so the projections,
the relay and erasure see them in order with everything else), written through the desk's
mapper (personal fields sealed with the customer's key) and group committer.

Importing is idempotent and safe under concurrency: each external id is a stream of its
own whose id derives from the system and the id (``ExternalIdClaim``), committed in the
same transaction as the customer it names. Two simultaneous imports of one id race on that
stream; the event store lets one win, and the other, retried, finds the winner's customer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, AggregateEvent, DomainEventProtocol

from casetrail.cases.published import SupportDesk
from casetrail.customers.domain.customer import Customer, ExternalIdClaim
from casetrail.customers.domain.values import customer_stream_id, external_id_stream_id
from casetrail.customers.service.commands import (
    ChangeCustomer,
    DirectoryContext,
    DirectoryResult,
    MergeCustomers,
    RegisterCustomer,
)
from casetrail.customers.service.errors import (
    CustomerNotFound,
    CustomerVersionConflict,
    DirectoryContention,
)
from casetrail.platform.eventstore.group_commit import CommitConflict
from casetrail.platform.eventstore.ports import Clock
from casetrail.platform.eventstore.striped_locks import StripedLocks
from casetrail.platform.retry import Backoff, Jitter

MAX_ATTEMPTS = 8
CONTENTION_BACKOFF = Backoff(first_seconds=0.005, max_seconds=0.64, jitter=Jitter.FULL)
# How long a chain of merges may be followed (a loop is impossible; this bounds a bug).
MAX_MERGE_HOPS = 64

A = TypeVar("A", bound=Aggregate)
Decision = tuple[Sequence[DomainEventProtocol[UUID]], DirectoryResult]


def new_customer_id() -> str:
    return f"cust-{uuid.uuid4().hex}"


class CustomerDirectory:
    def __init__(
        self,
        desk: SupportDesk,
        *,
        clock: Clock,
        new_id: Callable[[], str] = new_customer_id,
    ) -> None:
        self._desk = desk
        self._clock = clock
        self._new_id = new_id
        self._locks = StripedLocks()

    # -- commands ---------------------------------------------------------------------------

    def register(self, command: RegisterCustomer, context: DirectoryContext) -> DirectoryResult:
        """Register a customer, or answer the one already known by one of its external ids
        (or by its id) without changing it."""
        customer_id = command.customer_id or self._new_id()
        for attempt in range(MAX_ATTEMPTS):
            known = self._known(customer_id, command.external_ids)
            if known is not None:
                return DirectoryResult(known.customer_id, known.version, None, created=False)
            at = self._clock()
            customer = Customer.register(
                customer_id=customer_id,
                name=command.name,
                email=command.email,
                phone=command.phone,
                external_ids=command.external_ids,
                timezone=command.timezone,
                language=command.language,
                tier=command.tier,
                actor=context.actor,
                at=at,
            )
            claims = [
                ExternalIdClaim.claim(system, value, customer_id, actor=context.actor, at=at)
                for system, value in sorted(command.external_ids.items())
            ]
            events: list[DomainEventProtocol[UUID]] = list(customer.collect_events())
            for claim in claims:
                events += claim.collect_events()
            result = DirectoryResult(customer_id, customer.version, None, created=True)
            try:
                return self._commit(events, result)
            except CommitConflict:
                time.sleep(CONTENTION_BACKOFF.delay(attempt + 1))
        raise DirectoryContention(customer_id)

    def change(self, command: ChangeCustomer, context: DirectoryContext) -> DirectoryResult:
        def decide() -> Decision:
            customer = self._at_expected_version(command.customer_id, context)
            at = self._clock()
            claims: list[ExternalIdClaim] = []
            if "external_ids" in command.changes:
                wanted: dict[str, str] = dict(command.changes["external_ids"] or {})
                claims = self._reclaimed(customer, wanted, context, at)
            customer.change_details(command.changes, actor=context.actor, at=at)
            events: list[DomainEventProtocol[UUID]] = list(customer.collect_events())
            for claim in claims:
                events += claim.collect_events()
            return events, DirectoryResult(customer.customer_id, customer.version, None)

        return self._run(command.customer_id, decide)

    def merge(self, command: MergeCustomers, context: DirectoryContext) -> DirectoryResult:
        """Merge the duplicate into the survivor; both change in one transaction."""

        def decide() -> Decision:
            survivor = self._at_expected_version(command.survivor_id, context)
            duplicate = self.get(command.duplicate_id, field="body.from_customer_id")
            survivor.absorb(duplicate, actor=context.actor, at=self._clock())
            events = [*duplicate.collect_events(), *survivor.collect_events()]
            return events, DirectoryResult(survivor.customer_id, survivor.version, None)

        return self._run(command.survivor_id, decide)

    # -- queries ----------------------------------------------------------------------------

    def get(self, customer_id: str, *, field: str | None = None) -> Customer:
        try:
            customer: Aggregate = self._desk.repository.get(customer_stream_id(customer_id))
        except AggregateNotFoundError:
            raise CustomerNotFound(customer_id, field=field) from None
        if not isinstance(customer, Customer):
            raise CustomerNotFound(customer_id, field=field)
        return customer

    def find(self, customer_id: str) -> Customer | None:
        try:
            return self.get(customer_id)
        except CustomerNotFound:
            return None

    def get_as_of(self, customer_id: str, at: datetime) -> Customer:
        """The customer as they stood at ``at``, folded from their events up to then."""
        customer: Customer | None = None
        for event in self.stream(customer_id):
            if event.timestamp > at:
                break
            customer = cast("Customer | None", event.mutate(customer))
        if customer is None:
            raise CustomerNotFound(customer_id)
        return customer

    def stream(self, customer_id: str) -> list[AggregateEvent]:
        return cast(
            "list[AggregateEvent]",
            list(self._desk.events.get(customer_stream_id(customer_id))),
        )

    def survivor_of(self, customer_id: str) -> Customer | None:
        """The customer this id stands for now: itself, or the one it was merged into."""
        customer = self.find(customer_id)
        for _ in range(MAX_MERGE_HOPS):
            if customer is None or customer.merged_into is None:
                return customer
            customer = self.find(customer.merged_into)
        return customer

    def group(self, customer_id: str) -> list[str]:
        """Every id that names the same person: the survivor first, then those merged into
        it. An id not in the directory stands alone."""
        survivor = self.survivor_of(customer_id)
        if survivor is None:
            return [customer_id]
        return [survivor.customer_id, *survivor.merged_ids]

    def owner_of(self, system: str, value: str) -> str | None:
        try:
            claim: Aggregate = self._desk.repository.get(external_id_stream_id(system, value))
        except AggregateNotFoundError:
            return None
        return claim.customer_id if isinstance(claim, ExternalIdClaim) else None

    # -- machinery --------------------------------------------------------------------------

    def _known(self, customer_id: str, external_ids: dict[str, str]) -> Customer | None:
        for system, value in sorted(external_ids.items()):
            owner = self.owner_of(system, value)
            if owner is not None:
                return self.survivor_of(owner)
        return self.survivor_of(customer_id)

    def _reclaimed(
        self,
        customer: Customer,
        wanted: dict[str, str],
        context: DirectoryContext,
        at: datetime,
    ) -> list[ExternalIdClaim]:
        """The claims a change of external ids makes: new ids claimed, dropped ids released."""
        changed: list[ExternalIdClaim] = []
        current = customer.external_ids
        for system, value in sorted(current.items()):
            if wanted.get(system) != value:
                claim = self._claim(system, value)
                if claim is not None:
                    claim.release(customer.customer_id, actor=context.actor, at=at)
                    changed.append(claim)
        for system, value in sorted(wanted.items()):
            if current.get(system) == value:
                continue
            existing = self._claim(system, value)
            if existing is not None and existing.customer_id in customer.merged_ids:
                continue  # a duplicate merged into this customer holds it: it leads here
            if existing is None:
                changed.append(
                    ExternalIdClaim.claim(
                        system, value, customer.customer_id, actor=context.actor, at=at
                    )
                )
            else:
                existing.reclaim(customer.customer_id, actor=context.actor, at=at)
                changed.append(existing)
        return changed

    def _claim(self, system: str, value: str) -> ExternalIdClaim | None:
        try:
            claim: Aggregate = self._desk.repository.get(external_id_stream_id(system, value))
        except AggregateNotFoundError:
            return None
        return claim if isinstance(claim, ExternalIdClaim) else None

    def _at_expected_version(self, customer_id: str, context: DirectoryContext) -> Customer:
        customer = self.get(customer_id)
        expected = context.expected_version
        if expected is not None and customer.version != expected:
            raise CustomerVersionConflict(customer_id, expected, customer.version)
        return customer

    def _run(self, customer_id: str, decide: Callable[[], Decision]) -> DirectoryResult:
        """Decide and commit; on losing a race to another process, decide again."""
        with self._locks.holding(customer_id):
            for attempt in range(MAX_ATTEMPTS):
                events, result = decide()
                try:
                    return self._commit(events, result)
                except CommitConflict:
                    time.sleep(CONTENTION_BACKOFF.delay(attempt + 1))
        raise DirectoryContention(customer_id)

    def _commit(
        self, events: Sequence[DomainEventProtocol[UUID]], result: DirectoryResult
    ) -> DirectoryResult:
        if not events:
            return result
        stored = [self._desk.mapper.to_stored_event(event) for event in events]
        ids = self._desk.committer.commit(stored, None)
        return DirectoryResult(
            result.customer_id, result.version, ids[-1] if ids else None, result.created
        )


def customer_after(desk: SupportDesk) -> Callable[[AggregateEvent], Customer]:
    """The customer as they stood just after an event of theirs, read from the store."""

    def after(event: AggregateEvent) -> Customer:
        customer: Aggregate = desk.repository.get(
            event.originator_id, version=event.originator_version
        )
        assert isinstance(customer, Customer)
        return customer

    return after
