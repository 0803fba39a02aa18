"""How support events change the case list rows: a pure fold, no I/O.

A batch of events is folded over the rows it touches (loaded beforehand by the caller),
so that each row is written once per batch however many events changed it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from casetrail.cases.domain.conversation import Conversation, conversation_id_for_case
from casetrail.cases.domain.next_move import (
    answers_customer,
    support_owes_after_message,
    support_owes_after_status,
    waiting_since,
)
from casetrail.cases.domain.ticket import OPENED_FIELDS, Ticket, normalise_tags
from casetrail.cases.domain.values import CaseStatus
from casetrail.cases.projections.rows import CaseRow
from casetrail.kernel.storable_text import storable_text


class CaseRowMissing(Exception):
    """An event names a case the view has no row for: the view is inconsistent."""

    def __init__(self, case_id: UUID, event_type: str) -> None:
        super().__init__(f"{event_type} for case {case_id}, which the case list has no row for")
        self.case_id = case_id


def rows_needed(events: Iterable[Any]) -> tuple[set[UUID], set[UUID]]:
    """The case ids and conversation ids whose existing rows the fold will read."""
    case_ids: set[UUID] = set()
    conversation_ids: set[UUID] = set()
    for event in events:
        if isinstance(event, Ticket.Opened):
            continue  # creates its row
        if isinstance(event, Ticket.Event):
            case_ids.add(event.originator_id)
        elif isinstance(event, Conversation.MessagePosted):
            conversation_ids.add(event.originator_id)
    return case_ids, conversation_ids


class CaseFold:
    """Rows being changed by a run of events; ``changed`` lists those to write back."""

    def __init__(self, loaded: Iterable[CaseRow] = ()) -> None:
        self.rows: dict[UUID, CaseRow] = {}
        self._by_conversation: dict[UUID, UUID] = {}
        self.changed: set[UUID] = set()
        for row in loaded:
            self._keep(row)

    def apply_all(self, events: Sequence[Any]) -> None:
        for event in events:
            self.apply(event)

    def apply(self, event: Any) -> None:
        if isinstance(event, Ticket.Opened):
            self._keep(_opened(event))
            self.changed.add(event.originator_id)
            return
        handler = _TICKET_HANDLERS.get(type(event))
        if handler is not None:
            row = self.rows.get(event.originator_id)
            if row is None:
                # Every case stream starts with Opened, projected before anything else.
                raise CaseRowMissing(event.originator_id, type(event).__name__)
            handler(row, event)
            row.version = event.originator_version
            row.updated_at = event.timestamp
            row.last_activity_at = max(row.last_activity_at, event.timestamp)
            self.changed.add(row.id)
        elif isinstance(event, Conversation.MessagePosted):
            case_id = self._by_conversation.get(event.originator_id)
            if case_id is not None:  # else a chat that has no case (yet)
                _message_posted(self.rows[case_id], event)
                self.changed.add(case_id)

    def changed_rows(self) -> list[CaseRow]:
        return [self.rows[case_id] for case_id in sorted(self.changed)]

    def _keep(self, row: CaseRow) -> None:
        self.rows[row.id] = row
        self._by_conversation[row.conversation_id] = row.id


def _opened(event: Ticket.Opened) -> CaseRow:
    # The row keeps each field the case was opened with under the same name.
    opened_with = {name: getattr(event, name) for name in OPENED_FIELDS}
    return CaseRow(
        **(opened_with | {"tags": _stored_tags(event.tags)}),
        id=event.originator_id,
        status=CaseStatus.OPEN.value,
        assignee_id=None,
        assigned_at=None,
        department_id=None,
        escalation_level=0,
        opened_by_subject=event.actor_subject,
        opened_by_role=event.actor_role,
        created_at=event.timestamp,
        updated_at=event.timestamp,
        resolved_at=None,
        version=event.originator_version,
        conversation_id=conversation_id_for_case(event.originator_id),
        message_count=0,
        internal_note_count=0,
        first_response_at=None,
        last_activity_at=event.timestamp,
        # A new case is open, so it waits for the support side's first response.
        waiting_since=waiting_since(
            support_owes_after_status(CaseStatus.OPEN), None, event.timestamp
        ),
    )


def _status_changed(row: CaseRow, event: Ticket.StatusChanged) -> None:
    _enter_status(row, event.to_status, event.timestamp)


def _resolved(row: CaseRow, event: Ticket.Resolved) -> None:
    _enter_status(row, CaseStatus.RESOLVED.value, event.timestamp)
    row.resolved_at = event.timestamp


def _reopened(row: CaseRow, event: Ticket.Reopened) -> None:
    _enter_status(row, CaseStatus.OPEN.value, event.timestamp)
    row.resolved_at = None


def _enter_status(row: CaseRow, status: str, at: datetime) -> None:
    row.status = status
    row.waiting_since = waiting_since(support_owes_after_status(status), row.waiting_since, at)


def _priority_changed(row: CaseRow, event: Ticket.PriorityChanged) -> None:
    row.priority = event.to_priority


def _assigned(row: CaseRow, event: Ticket.Assigned) -> None:
    row.assignee_id = event.agent_id
    row.assigned_at = event.timestamp


def _unassigned(row: CaseRow, _event: Ticket.Unassigned) -> None:
    row.assignee_id = None
    row.assigned_at = None


def _routed(row: CaseRow, event: Ticket.Routed) -> None:
    row.department_id = event.to_department_id


def _escalated(row: CaseRow, event: Ticket.Escalated) -> None:
    row.escalation_level = event.level


def _tagged(row: CaseRow, event: Ticket.Tagged) -> None:
    row.tags = _stored_tags([*row.tags, *event.tags])


def _untagged(row: CaseRow, event: Ticket.Untagged) -> None:
    removed = set(_stored_tags(event.tags))
    row.tags = [tag for tag in row.tags if tag not in removed]


def _details_changed(row: CaseRow, event: Ticket.DetailsChanged) -> None:
    for name in event.changed:
        setattr(row, name, getattr(event, name))


def _customer_changed(row: CaseRow, event: Ticket.CustomerChanged) -> None:
    row.customer_id = event.to_customer_id


def _archived(row: CaseRow, event: Ticket.Archived) -> None:
    row.archived_at = event.timestamp


def _restored(row: CaseRow, _event: Ticket.Restored) -> None:
    row.archived_at = None


def _stored_tags(tags: Iterable[str]) -> list[str]:
    # Tags are compared and sorted as the view stores them (rows loaded from the table
    # already are), so a rebuild in other batches ends with the same tags in the same order.
    return list(normalise_tags(storable_text(tag) for tag in tags))


def _message_posted(row: CaseRow, event: Conversation.MessagePosted) -> None:
    row.message_count += 1
    row.last_activity_at = max(row.last_activity_at, event.timestamp)
    if event.internal:
        row.internal_note_count += 1
    if answers_customer(event.author_type, event.internal) and row.first_response_at is None:
        row.first_response_at = event.timestamp
    support_owes = support_owes_after_message(
        author_type=event.author_type,
        internal=event.internal,
        status=row.status,
        support_owed=row.waiting_since is not None,
    )
    row.waiting_since = waiting_since(support_owes, row.waiting_since, event.timestamp)


_TICKET_HANDLERS: dict[type[Any], Callable[[CaseRow, Any], None]] = {
    Ticket.StatusChanged: _status_changed,
    Ticket.Resolved: _resolved,
    Ticket.Reopened: _reopened,
    Ticket.PriorityChanged: _priority_changed,
    Ticket.Assigned: _assigned,
    Ticket.Unassigned: _unassigned,
    Ticket.Routed: _routed,
    Ticket.Escalated: _escalated,
    Ticket.Tagged: _tagged,
    Ticket.Untagged: _untagged,
    Ticket.DetailsChanged: _details_changed,
    Ticket.CustomerChanged: _customer_changed,
    Ticket.Archived: _archived,
    Ticket.Restored: _restored,
}
