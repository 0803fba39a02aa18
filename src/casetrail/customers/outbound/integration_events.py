"""The public ``support.customer.*`` messages other services follow the directory by.

Contracts: fields are only ever added. Each message carries the customer as they stand just
after the event, read back through the event store's mapper when the relay publishes it: a
customer erased by then is published with their personal fields erased, never in clear.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal

from eventsourcing.domain import AggregateEvent
from pydantic import Field

from casetrail.cases.published import (
    ActorRef,
    IntegrationMessage,
    Outbound,
    stable_event_id,
)
from casetrail.customers.domain.customer import Customer
from casetrail.customers.domain.values import CustomerStatus, Tier


class CustomerMessage(IntegrationMessage):
    """What every ``support.customer.*`` message carries: the customer in full."""

    key_description: ClassVar[str] = "Keyed by customer id; ordered per customer."
    key_schema: ClassVar[dict[str, str]] = {"type": "string"}

    customer_id: str
    name: str = Field(description="'[erased]' once the customer is erased.")
    email: str | None
    phone: str | None
    external_ids: dict[str, str]
    timezone: str | None
    language: str | None
    tier: Tier
    status: CustomerStatus
    merged_into: str | None
    version: int
    actor: ActorRef


class CustomerRegisteredMessage(CustomerMessage):
    topic: ClassVar[str] = "support.customer.registered"
    event_type: Literal["support.customer.registered"] = "support.customer.registered"


class CustomerUpdatedMessage(CustomerMessage):
    topic: ClassVar[str] = "support.customer.updated"
    event_type: Literal["support.customer.updated"] = "support.customer.updated"
    changed: list[str] = Field(description="The fields this change set.")


class CustomerMergedMessage(CustomerMessage):
    """The duplicate of a merge: from now on it is the survivor (``merged_into``)."""

    topic: ClassVar[str] = "support.customer.merged"
    event_type: Literal["support.customer.merged"] = "support.customer.merged"
    survivor_id: str


MESSAGE_TYPES: tuple[type[CustomerMessage], ...] = (
    CustomerRegisteredMessage,
    CustomerUpdatedMessage,
    CustomerMergedMessage,
)
PUBLISHED_TOPICS = tuple(message.topic for message in MESSAGE_TYPES)
# The survivor's side of a merge (Absorbed) is not published: the merged message says it.
PUBLISHED_EVENT_TOPICS: tuple[str, ...] = (
    Customer.Registered.TOPIC,
    Customer.DetailsChanged.TOPIC,
    Customer.MergedInto.TOPIC,
)


def outbound_for(event: AggregateEvent, customer: Customer) -> Outbound | None:
    """The message for ``event``, given the customer as they stood just after it."""
    fields: dict[str, Any] = {
        "event_id": stable_event_id(event.originator_id, event.originator_version),
        "occurred_at": event.timestamp,
        "customer_id": customer.customer_id,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "external_ids": dict(customer.external_ids),
        "timezone": customer.timezone,
        "language": customer.language,
        "tier": customer.tier,
        "status": customer.status,
        "merged_into": customer.merged_into,
        "version": customer.version,
        "actor": ActorRef(
            subject=getattr(event, "actor_subject", ""), role=getattr(event, "actor_role", "")
        ),
    }
    message: CustomerMessage
    if isinstance(event, Customer.Registered):
        message = CustomerRegisteredMessage.model_construct(**fields)
    elif isinstance(event, Customer.DetailsChanged):
        message = CustomerUpdatedMessage.model_construct(**fields, changed=list(event.changed))
    elif isinstance(event, Customer.MergedInto):
        message = CustomerMergedMessage.model_construct(**fields, survivor_id=event.survivor_id)
    else:
        return None
    return Outbound(topic=message.topic, key=customer.customer_id.encode(), value=message)


class CustomerEvents:
    """The relay's source of ``support.customer.*``: each event's customer is read back at
    the event's version (through the mapper, so an erasure is respected)."""

    event_topics: Sequence[str] = PUBLISHED_EVENT_TOPICS

    def __init__(self, customer_at: Callable[[AggregateEvent], Customer]) -> None:
        self._customer_at = customer_at

    def outbound_for(self, event: AggregateEvent) -> Outbound | None:
        return outbound_for(event, self._customer_at(event))
