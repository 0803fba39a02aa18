"""Response bodies built from read model rows."""

from __future__ import annotations

from collections.abc import Set
from typing import Any
from uuid import UUID

from casetrail.cases.api.query_schemas import CaseListItem
from casetrail.cases.api.schemas import ActorRead, CaseRead, MessageRead
from casetrail.cases.domain.values import AuthorType
from casetrail.cases.projections.rows import CaseRow, MessageRow

LIST_FIELDS: tuple[str, ...] = tuple(CaseListItem.model_fields)


def case_read_from_row(row: CaseRow) -> CaseRead:
    return CaseRead(
        **{
            name: value
            for name, value in _case_fields(row).items()
            if name in CaseRead.model_fields
        }
    )


def case_list_item(row: CaseRow, fields: Set[str] | None = None) -> CaseListItem:
    values = _case_fields(row)
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
    return {
        "id": row.id,
        "case_number": row.case_number,
        "customer_id": row.customer_id,
        "subject": row.subject,
        "description": row.description,
        "priority": row.priority,
        "channel": row.channel,
        "status": row.status,
        "tags": list(row.tags),
        "order_id": row.order_id,
        "external_ref": row.external_ref,
        "assignee_id": row.assignee_id,
        "assigned_at": row.assigned_at,
        "escalation_level": row.escalation_level,
        "opened_by": ActorRead(subject=row.opened_by_subject, role=row.opened_by_role),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "resolved_at": row.resolved_at,
        "version": row.version,
        "message_count": row.message_count,
        "internal_note_count": row.internal_note_count,
        "first_response_at": row.first_response_at,
        "last_activity_at": row.last_activity_at,
        "waiting_since": row.waiting_since,
    }
