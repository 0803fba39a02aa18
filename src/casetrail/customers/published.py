"""What other contexts may use of the customer directory: who a customer id names (their
name and tier, for cases and the timeline), which ids a merge made one person, and the
aggregates whose events privacy seals. Everything else in ``casetrail.customers`` is private."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from casetrail.cases.published import OutboundSource, SupportDesk
from casetrail.customers.domain.customer import PERSONAL_FIELDS, Customer, ExternalIdClaim
from casetrail.customers.domain.values import Tier
from casetrail.customers.outbound.integration_events import MESSAGE_TYPES as MESSAGE_TYPES
from casetrail.customers.outbound.integration_events import (
    PUBLISHED_TOPICS as PUBLISHED_TOPICS,
)
from casetrail.customers.outbound.integration_events import CustomerEvents
from casetrail.customers.queries import CUSTOMER_LIST, CustomerReadModel
from casetrail.customers.service.directory import CustomerDirectory, customer_after
from casetrail.customers.service.history import history_entries
from casetrail.customers.service.records import customer_record

__all__ = [
    "CUSTOMER_LIST",
    "MESSAGE_TYPES",
    "PERSONAL_FIELDS",
    "PUBLISHED_TOPICS",
    "Customer",
    "CustomerDirectory",
    "CustomerProfile",
    "ExternalIdClaim",
    "customer_events",
    "customer_group",
    "customer_profiles",
    "customer_records",
]


@dataclass(frozen=True)
class CustomerProfile:
    customer_id: str
    name: str
    tier: Tier


def customer_profiles(
    request: Request, customer_ids: Collection[str]
) -> dict[str, CustomerProfile]:
    """Name and tier of the ids the directory knows (from its read model); ids it does not
    know (a stranger's mail opened a case) are left out."""
    read_model: CustomerReadModel | None = getattr(request.app.state, "customer_read_model", None)
    if read_model is None or not customer_ids:
        return {}
    return {
        customer_id: CustomerProfile(customer_id, row.name, Tier(row.tier))
        for customer_id, row in read_model.rows(set(customer_ids)).items()
    }


def customer_group(request: Request, customer_id: str) -> list[str]:
    """Every id that names the same person as ``customer_id`` after merges: the survivor
    first, then the ids merged into it. An id the directory does not know stands alone."""
    directory: CustomerDirectory | None = getattr(request.app.state, "customer_directory", None)
    if directory is None:
        return [customer_id]
    return directory.group(customer_id)


def customer_records(request: Request, customer_id: str) -> list[dict[str, Any]]:
    """What the directory holds about the person ``customer_id`` names (every id merged
    with it), personal fields included, with each record's history: for the export."""
    directory: CustomerDirectory | None = getattr(request.app.state, "customer_directory", None)
    if directory is None:
        return []
    records = []
    for member in directory.group(customer_id):
        customer = directory.find(member)
        if customer is None:
            continue
        history = [
            {
                "version": entry.version,
                "type": entry.type,
                "at": entry.at.isoformat(),
                "actor": {"subject": entry.actor_subject, "role": entry.actor_role},
                "data": entry.data,
            }
            for entry in history_entries(directory, member)
            if entry.customer_id == member
        ]
        records.append(customer_record(customer) | {"history": history})
    return records


def customer_events(desk: SupportDesk) -> OutboundSource:
    """``support.customer.*`` for the support relay to publish with the case events."""
    return CustomerEvents(customer_after(desk))
