"""Each case entry's payload schema names exactly the fields its stored event carries, so an
event field added (or a new case event) without its timeline schema fails here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from pydantic import BaseModel

from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.domain.values import AssignmentReason, CaseStatus, Channel, Priority
from casetrail.cases.projections.case_event_entries import case_event_entry
from casetrail.kernel.actor import Actor
from casetrail.timeline.schemas import ENTRY_MODELS

AGENT = Actor(subject="agent-1", role="AGENT")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def every_kind_of_case_event() -> list[Any]:
    ticket = Ticket.open(
        case_id=uuid4(),
        sequence_number=1,
        customer_id="cust-1",
        subject="Help",
        description="",
        priority=Priority.LOW,
        channel=Channel.WEB,
        tags=["a"],
        order_id=None,
        external_ref=None,
        actor=AGENT,
        at=T0,
    )
    ticket.change_status(CaseStatus.ON_HOLD, reason="waiting on courier", actor=AGENT, at=T0)
    ticket.change_priority(Priority.HIGH, actor=AGENT, at=T0)
    ticket.assign("agent-1", reason=AssignmentReason.MANUAL, actor=AGENT, at=T0)
    ticket.unassign(actor=AGENT, at=T0)
    ticket.escalate(reason="slow", actor=AGENT, at=T0)
    ticket.route("billing-dept", reason="invoice question", actor=AGENT, at=T0)
    ticket.tag(["b"], actor=AGENT, at=T0)
    ticket.untag(["b"], actor=AGENT, at=T0)
    ticket.change_status(CaseStatus.RESOLVED, reason="done", actor=AGENT, at=T0)
    ticket.change_status(CaseStatus.OPEN, reason="not done", actor=AGENT, at=T0)
    ticket.edit({"subject": "Help!", "customer_id": "cust-2"}, actor=AGENT, at=T0)
    ticket.archive(actor=AGENT, at=T0)
    ticket.restore(actor=AGENT, at=T0)
    return list(ticket.collect_events())


def event_classes(root: type[Any]) -> set[type[Any]]:
    found = set()
    for subclass in root.__subclasses__():
        if subclass.__qualname__.startswith("Ticket."):
            found.add(subclass)
        found |= event_classes(subclass)
    return found


def test_the_story_covers_every_case_event() -> None:
    told = {type(event) for event in every_kind_of_case_event()}
    assert event_classes(Ticket.Event) - {Ticket.Event} <= told


def test_each_payload_schema_names_the_fields_of_its_event() -> None:
    for event in every_kind_of_case_event():
        entry = case_event_entry(event)
        model = ENTRY_MODELS.get(entry.kind)
        assert model is not None, f"no timeline entry schema for {entry.kind}"
        payload_model = model.model_fields["payload"].annotation
        assert isinstance(payload_model, type)
        assert issubclass(payload_model, BaseModel)
        declared = set(payload_model.model_fields)
        assert declared == set(entry.payload), f"{entry.kind}: {declared ^ set(entry.payload)}"
