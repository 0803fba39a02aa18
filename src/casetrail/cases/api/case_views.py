"""Response bodies built from read model rows, or from the case itself.

Fields are read by the names the response bodies declare, so a field added to a case's row
(or to the ticket) and to the schema shows without a line here.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from casetrail.cases.api.query_schemas import CaseListItem
from casetrail.cases.api.schemas import ActorRead, CaseRead, CustomerSummary, MessageRead
from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.domain.values import AuthorType
from casetrail.cases.projections.rows import CaseRow, MessageRow

# Shown from the customer directory, not kept with the case.
_FROM_DIRECTORY = "customer"
CaseReadOrItem = TypeVar("CaseReadOrItem", CaseRead, CaseListItem)

LIST_FIELDS: tuple[str, ...] = tuple(
    name for name in CaseListItem.model_fields if name != _FROM_DIRECTORY
)
# Shown beside the row, from what another context keeps per case (``CaseDueTimes``).
DUE_FIELD = "sla_due_at"

# Shown as one object, kept as two columns (or an Actor on the ticket).
_OPENED_BY = "opened_by"
# Where a ticket keeps what a response calls by another name.
_TICKET_NAMES = {"created_at": "created_on", "updated_at": "modified_on"}


def case_read_from_row(row: CaseRow) -> CaseRead:
    return CaseRead(
        **{
            name: value
            for name, value in _case_fields(row).items()
            if name in CaseRead.model_fields
        }
    )


def case_read_from_ticket(ticket: Ticket) -> CaseRead:
    """The case as its own events say it is (before the read models have it, or as of a
    past moment)."""
    values = {
        name: getattr(ticket, _TICKET_NAMES.get(name, name))
        for name in CaseRead.model_fields
        if name not in (_OPENED_BY, _FROM_DIRECTORY)
    }
    opened_by = ActorRead(subject=ticket.opened_by.subject, role=ticket.opened_by.role)
    return CaseRead(**values, opened_by=opened_by)


def case_list_item(
    row: CaseRow, fields: Set[str] | None = None, due_at: datetime | None = None
) -> CaseListItem:
    values = {**_case_fields(row), DUE_FIELD: due_at}
    if fields is not None:
        values = {name: value for name, value in values.items() if name in fields or name == "id"}
    return CaseListItem(**values)


def message_read_from_row(case_id: UUID, row: MessageRow) -> MessageRead:
    return MessageRead(
        message_id=row.message_id,
        case_id=case_id,
        position=row.position,
        author_type=AuthorType(row.author_type),
        author_id=row.author_id,
        body=row.body,
        attachment_uri=row.attachment_uri,
        internal=row.internal,
        posted_at=row.posted_at,
    )


def _case_fields(row: CaseRow) -> dict[str, Any]:
    values = {
        name: getattr(row, name) for name in LIST_FIELDS if name not in (_OPENED_BY, DUE_FIELD)
    }
    values[_OPENED_BY] = ActorRead(subject=row.opened_by_subject, role=row.opened_by_role)
    return values


def with_customers(
    cases: list[CaseReadOrItem], profiles: Mapping[str, tuple[str, str]]
) -> list[CaseReadOrItem]:
    """The cases, each showing its customer's name and tier (``profiles``: customer id ->
    (name, tier)) when the directory knows them, else ``customer: null``."""
    return [case.model_copy(update={"customer": _summary(case, profiles)}) for case in cases]


def _summary(case: CaseRead | CaseListItem, profiles: Mapping[str, tuple[str, str]]) -> Any:
    profile = profiles.get(case.customer_id) if case.customer_id is not None else None
    return CustomerSummary(name=profile[0], tier=profile[1]) if profile is not None else None
