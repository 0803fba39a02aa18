"""What other contexts may use of the customer directory: its answers for the contexts below
it (who a customer id names, which ids a merge made one person), the records and ids privacy
exports and erases, the aggregates whose events privacy seals, and the public messages the
relay publishes. Everything else in ``casetrail.customers`` is private."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from fastapi import Request

from casetrail.cases.published import OutboundSource, SupportDesk
from casetrail.customers.domain.customer import PERSONAL_FIELDS, Customer, ExternalIdClaim
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
    "DirectoryAnswers",
    "ExternalIdClaim",
    "customer_events",
    "customer_group",
    "customer_records",
]


class DirectoryAnswers:
    """The directory's answers to the contexts below it (cases, commerce), which declare the
    port they need and are handed this through the API role: who a customer id names (name
    and tier, from the customer list) and which ids a merge made one person."""

    def __init__(self, directory: CustomerDirectory, read_model: CustomerReadModel) -> None:
        self._directory = directory
        self._read_model = read_model

    def profiles(self, customer_ids: Collection[str]) -> Mapping[str, tuple[str, str]]:
        if not customer_ids:
            return {}
        rows = self._read_model.rows(set(customer_ids))
        return {customer_id: (row.name, row.tier) for customer_id, row in rows.items()}

    def same_person(self, customer_id: str) -> Sequence[str]:
        return self._directory.group(customer_id)


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
