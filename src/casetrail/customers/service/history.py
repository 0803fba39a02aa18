"""A customer's audit trail: each stored event as who did what, when — their own and those
of the customers merged into them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.domain import AggregateEvent

from casetrail.customers.service.directory import CustomerDirectory

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}
_ACTOR = {"actor_subject", "actor_role"}


@dataclass(frozen=True)
class CustomerHistoryEntry:
    customer_id: str
    version: int
    type: str
    at: datetime
    actor_subject: str
    actor_role: str
    data: dict[str, Any]


def history_entries(directory: CustomerDirectory, customer_id: str) -> list[CustomerHistoryEntry]:
    customer = directory.get(customer_id)
    ids = [customer_id, *customer.merged_ids]
    entries = [_entry(member, event) for member in ids for event in directory.stream(member)]
    return sorted(entries, key=lambda entry: (entry.at, entry.customer_id, entry.version))


def _entry(customer_id: str, event: AggregateEvent) -> CustomerHistoryEntry:
    fields = dict(vars(event))
    return CustomerHistoryEntry(
        customer_id=customer_id,
        version=event.originator_version,
        type=type(event).__name__,
        at=event.timestamp,
        actor_subject=str(fields.get("actor_subject", "")),
        actor_role=str(fields.get("actor_role", "")),
        data={name: value for name, value in fields.items() if name not in _ENVELOPE | _ACTOR},
    )
