"""A customer of the support organisation, and the claims on their ids in other systems.

Every change is an explicitly declared event with an explicit stored topic. Personal fields
(``name``, ``email``, ``phone``) are plain values here; the event store seals them with the
customer's key (see ``casetrail.privacy``). Time comes in as an argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from casetrail.customers.domain.errors import (
    CannotMergeIntoItself,
    CustomerMerged,
    ExternalIdTaken,
)
from casetrail.customers.domain.values import (
    CustomerStatus,
    Tier,
    customer_stream_id,
    external_id_stream_id,
)
from casetrail.kernel.actor import Actor

# What a PATCH may change; each is a field of ``DetailsChanged`` too.
CHANGEABLE_FIELDS = ("name", "email", "phone", "external_ids", "timezone", "language", "tier")


class Customer(Aggregate):
    TOPIC = "casetrail.customer"

    if TYPE_CHECKING:
        customer_id: str
        name: str
        email: str | None
        phone: str | None
        external_ids: dict[str, str]
        timezone: str | None
        language: str | None
        tier: Tier
        status: CustomerStatus
        merged_into: str | None
        merged_ids: tuple[str, ...]
        registered_by: Actor

    class Event(Aggregate.Event):
        actor_subject: str
        actor_role: str

        def actor(self) -> Actor:
            return Actor(subject=self.actor_subject, role=self.actor_role)

    class Registered(Event, Aggregate.Created):
        TOPIC = "casetrail.customer.Registered.v1"
        customer_id: str
        name: str
        email: str | None
        phone: str | None
        external_ids: dict[str, str]
        timezone: str | None
        language: str | None
        tier: str

        def apply(self, aggregate: Any) -> None:
            customer: Customer = aggregate
            customer.customer_id = self.customer_id
            customer.name = self.name
            customer.email = self.email
            customer.phone = self.phone
            customer.external_ids = dict(self.external_ids)
            customer.timezone = self.timezone
            customer.language = self.language
            customer.tier = Tier(self.tier)
            customer.status = CustomerStatus.ACTIVE
            customer.merged_into = None
            customer.merged_ids = ()
            customer.registered_by = self.actor()

    Created = Registered  # the library's name for the creating event

    class DetailsChanged(Event):
        """``changed`` names the fields this event sets; the others are None and unchanged."""

        TOPIC = "casetrail.customer.DetailsChanged.v1"
        changed: list[str]
        name: str | None
        email: str | None
        phone: str | None
        external_ids: dict[str, str] | None
        timezone: str | None
        language: str | None
        tier: str | None

        def apply(self, aggregate: Any) -> None:
            for field in self.changed:
                value = getattr(self, field)
                if field == "tier":
                    value = Tier(value)
                elif field == "external_ids":
                    value = dict(value or {})
                setattr(aggregate, field, value)

    class MergedInto(Event):
        TOPIC = "casetrail.customer.MergedInto.v1"
        survivor_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = CustomerStatus.MERGED
            aggregate.merged_into = self.survivor_id

    class Absorbed(Event):
        """The survivor of a merge takes the duplicate (and whatever had been merged into
        it), and the external ids of systems it had none for."""

        TOPIC = "casetrail.customer.Absorbed.v1"
        duplicate_ids: list[str]
        external_ids: dict[str, str]

        def apply(self, aggregate: Any) -> None:
            aggregate.merged_ids = (*aggregate.merged_ids, *self.duplicate_ids)
            aggregate.external_ids = {**aggregate.external_ids, **self.external_ids}

    # -- commands ---------------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        customer_id: str,
        name: str,
        email: str | None,
        phone: str | None,
        external_ids: Mapping[str, str],
        timezone: str | None,
        language: str | None,
        tier: Tier,
        actor: Actor,
        at: datetime,
    ) -> Customer:
        return cls._create(
            cls.Registered,
            id=customer_stream_id(customer_id),
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            customer_id=customer_id,
            name=name,
            email=email,
            phone=phone,
            external_ids=dict(external_ids),
            timezone=timezone,
            language=language,
            tier=tier.value,
        )

    def change_details(self, changes: Mapping[str, Any], *, actor: Actor, at: datetime) -> None:
        """Record the fields of ``changes`` that differ from what the customer has."""
        self._refuse_if_merged()
        unknown = set(changes) - set(CHANGEABLE_FIELDS)
        if unknown:
            raise ValueError(f"not a changeable field: {sorted(unknown)}")
        values = {
            name: (value.value if isinstance(value, Tier) else value)
            for name, value in changes.items()
        }
        changed = [
            name
            for name in CHANGEABLE_FIELDS
            if name in values and self._differs(name, values[name])
        ]
        if not changed:
            return
        fields = {name: (values[name] if name in changed else None) for name in CHANGEABLE_FIELDS}
        self.trigger_event(
            self.DetailsChanged,
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            changed=changed,
            **fields,
        )

    def absorb(self, duplicate: Customer, *, actor: Actor, at: datetime) -> None:
        """Merge ``duplicate`` into this customer: it becomes a pointer to this one."""
        if duplicate.customer_id == self.customer_id:
            raise CannotMergeIntoItself(self.customer_id)
        self._refuse_if_merged()
        duplicate._refuse_if_merged()
        taken = {
            system: value
            for system, value in duplicate.external_ids.items()
            if system not in self.external_ids
        }
        duplicate.trigger_event(
            duplicate.MergedInto,
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            survivor_id=self.customer_id,
        )
        self.trigger_event(
            self.Absorbed,
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            duplicate_ids=[duplicate.customer_id, *duplicate.merged_ids],
            external_ids=taken,
        )

    def _differs(self, name: str, value: Any) -> bool:
        current = getattr(self, name)
        if isinstance(current, Tier):
            current = current.value
        return bool(current != value)

    def _refuse_if_merged(self) -> None:
        if self.merged_into is not None:
            raise CustomerMerged(self.customer_id, self.merged_into)


class ExternalIdClaim(Aggregate):
    """Which customer an id in another system names. Its stream id is derived from the
    system and the id, so two imports of the same id race on one stream: the event store
    lets exactly one of them claim it."""

    TOPIC = "casetrail.customer.external_id"

    if TYPE_CHECKING:
        system: str
        value: str
        customer_id: str | None

    class Event(Aggregate.Event):
        actor_subject: str
        actor_role: str

    class Claimed(Event, Aggregate.Created):
        TOPIC = "casetrail.customer.external_id.Claimed.v1"
        system: str
        value: str
        customer_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.system = self.system
            aggregate.value = self.value
            aggregate.customer_id = self.customer_id

    Created = Claimed

    class Released(Event):
        TOPIC = "casetrail.customer.external_id.Released.v1"
        customer_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.customer_id = None

    class Reclaimed(Event):
        TOPIC = "casetrail.customer.external_id.Reclaimed.v1"
        customer_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.customer_id = self.customer_id

    @classmethod
    def claim(
        cls, system: str, value: str, customer_id: str, *, actor: Actor, at: datetime
    ) -> ExternalIdClaim:
        return cls._create(
            cls.Claimed,
            id=external_id_stream_id(system, value),
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            system=system,
            value=value,
            customer_id=customer_id,
        )

    def reclaim(self, customer_id: str, *, actor: Actor, at: datetime) -> None:
        if self.customer_id == customer_id:
            return
        if self.customer_id is not None:
            raise ExternalIdTaken(self.system, self.value, self.customer_id)
        self.trigger_event(
            self.Reclaimed,
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            customer_id=customer_id,
        )

    def release(self, customer_id: str, *, actor: Actor, at: datetime) -> None:
        if self.customer_id != customer_id:
            return
        self.trigger_event(
            self.Released,
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            customer_id=customer_id,
        )


# The fields the event store seals with the customer's key (crypto-shredding).
PERSONAL_FIELDS: dict[type[Any], tuple[str, ...]] = {
    Customer.Registered: ("name", "email", "phone"),
    Customer.DetailsChanged: ("name", "email", "phone"),
}
