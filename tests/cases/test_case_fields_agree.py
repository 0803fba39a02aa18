"""A case's fields agree wherever they are written: a field added in one place and forgotten
in another fails here, with the place named."""

from __future__ import annotations

import inspect
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any, Optional
from uuid import uuid4

from casetrail.cases.api.case_views import (
    DUE_FIELD,
    LIST_FIELDS,
    case_list_item,
    case_read_from_row,
    case_read_from_ticket,
)
from casetrail.cases.api.query_schemas import CaseListItem
from casetrail.cases.api.schemas import CaseCreate, CaseRead
from casetrail.cases.domain.ticket import OPENED_FIELDS, Ticket
from casetrail.cases.domain.values import AssignmentReason, CaseStatus, Channel, Priority
from casetrail.cases.outbound.integration_events import (
    CASE_STATE_FIELDS,
    CaseMessage,
    CaseOpenedMessage,
    outbound_for,
)
from casetrail.cases.projections.case_fold import CaseFold
from casetrail.cases.projections.rows import CASE_COLUMNS
from casetrail.cases.service.commands import OpenCase
from casetrail.kernel.actor import Actor

AGENT = Actor(subject="agent-1", role="AGENT")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
# Row columns that responses show otherwise (opened_by) or not at all (the thread's id).
ROW_ONLY = {"conversation_id", "opened_by_subject", "opened_by_role"}
# Opening fields every support.case.* message leaves out: long free text that consumers
# read through the API when they need it.
NOT_PUBLISHED = {"description"}


def stated_fields() -> set[str]:
    return set(OPENED_FIELDS) - {"case_number"}  # the number is given, not stated


def test_what_a_case_is_opened_with_is_named_alike_from_request_to_event() -> None:
    open_parameters = set(inspect.signature(Ticket.open).parameters)
    assert set(CaseCreate.model_fields) == stated_fields()
    assert {item.name for item in fields(OpenCase)} - {"case_id"} == stated_fields()
    assert open_parameters - {"case_id", "sequence_number", "actor", "at"} == stated_fields()


def test_every_opening_field_reaches_the_row_and_both_response_bodies() -> None:
    for where, names in (
        ("CaseRow", set(CASE_COLUMNS)),
        ("CaseRead", set(CaseRead.model_fields)),
        ("CaseListItem", set(CaseListItem.model_fields)),
    ):
        assert set(OPENED_FIELDS) <= names, f"{where} lacks {set(OPENED_FIELDS) - names}"


def test_a_list_item_is_a_case_read_whose_fields_may_be_left_out() -> None:
    for name, field in CaseRead.model_fields.items():
        item_field = CaseListItem.model_fields.get(name)
        assert item_field is not None, f"CaseListItem lacks {name}"
        either: Any = Optional[field.annotation]  # noqa: UP045
        assert item_field.annotation == either, name
        assert item_field.default is None, name


def test_every_row_column_is_shown_in_a_list_item() -> None:
    # A list item also shows what another context keeps beside the row (the SLA deadline).
    assert set(CASE_COLUMNS) - ROW_ONLY == set(LIST_FIELDS) - {"opened_by", DUE_FIELD}


def test_every_opening_field_is_published_or_left_out_on_purpose() -> None:
    published = set(CaseMessage.model_fields) | set(CaseOpenedMessage.model_fields)
    assert set(OPENED_FIELDS) - NOT_PUBLISHED <= published
    assert not NOT_PUBLISHED & published


def a_worked_case() -> tuple[Ticket, list[Any]]:
    ticket = Ticket.open(
        case_id=uuid4(),
        sequence_number=42,
        customer_id="cust-1",
        subject="Parcel never arrived",
        description="Courier lost it",
        priority=Priority.HIGH,
        channel=Channel.EMAIL,
        tags=["shipping"],
        order_id="order-7",
        external_ref="gorgias:9",
        actor=AGENT,
        at=T0,
    )
    events: list[Any] = list(ticket.collect_events())
    later = T0 + timedelta(minutes=5)
    ticket.assign("agent-1", reason=AssignmentReason.MANUAL, actor=AGENT, at=later)
    ticket.change_priority(Priority.URGENT, actor=AGENT, at=later)
    ticket.tag(["vip"], actor=AGENT, at=later)
    ticket.escalate(reason="angry", actor=AGENT, at=later)
    ticket.change_status(CaseStatus.RESOLVED, reason="found", actor=AGENT, at=later)
    events += ticket.collect_events()
    return ticket, events


def test_the_read_row_and_the_case_itself_answer_alike() -> None:
    ticket, events = a_worked_case()
    fold = CaseFold()
    fold.apply_all(events)
    row = fold.rows[ticket.id]
    assert case_read_from_row(row) == case_read_from_ticket(ticket)
    item = case_list_item(row)
    assert item.model_dump(include=set(CaseRead.model_fields)) == (
        case_read_from_ticket(ticket).model_dump()
    )


def test_messages_carry_the_case_as_it_stands() -> None:
    ticket, events = a_worked_case()
    outbound = outbound_for(events[0], ticket)
    assert outbound is not None
    message = outbound.value
    for name in CASE_STATE_FIELDS:
        expected = getattr(ticket, name)
        assert getattr(message, name) == (list(expected) if name == "tags" else expected), name
