from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from casetrail.cases.domain.errors import (
    CaseIsClosed,
    CaseLimitReached,
    CaseNotAssigned,
    InvalidTransition,
)
from casetrail.cases.domain.ticket import (
    ALLOWED_STATUS_CHANGES,
    MAX_ESCALATION_LEVEL,
    MAX_TAGS_PER_CASE,
    Ticket,
)
from casetrail.cases.domain.values import AssignmentReason, CaseStatus, Channel, Priority
from casetrail.kernel.actor import Actor

AGENT = Actor(subject="agent-7", role="AGENT")
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def new_ticket(**overrides: object) -> Ticket:
    fields: dict[str, object] = {
        "case_id": uuid4(),
        "sequence_number": 123,
        "customer_id": "cust-1",
        "subject": "Parcel never arrived",
        "description": "Order 42 is late",
        "priority": Priority.HIGH,
        "channel": Channel.EMAIL,
        "tags": [" Shipping ", "vip", "VIP"],
        "order_id": "order-42",
        "external_ref": "gorgias:991",
        "actor": AGENT,
        "at": T0,
    }
    fields.update(overrides)
    return Ticket.open(**fields)  # type: ignore[arg-type]


def ticket_in(status: CaseStatus) -> Ticket:
    """A ticket brought to ``status`` through allowed transitions."""
    ticket = new_ticket()
    path = {
        CaseStatus.OPEN: [],
        CaseStatus.PENDING_CUSTOMER: [CaseStatus.PENDING_CUSTOMER],
        CaseStatus.ON_HOLD: [CaseStatus.ON_HOLD],
        CaseStatus.RESOLVED: [CaseStatus.RESOLVED],
        CaseStatus.CLOSED: [CaseStatus.RESOLVED, CaseStatus.CLOSED],
    }[status]
    for step in path:
        ticket.change_status(step, reason=None, actor=AGENT, at=T0)
    ticket.collect_events()
    return ticket


def test_opening_records_everything_the_case_was_opened_with() -> None:
    ticket = new_ticket()
    [opened] = ticket.collect_events()
    assert isinstance(opened, Ticket.Opened)
    assert opened.timestamp == T0
    assert (opened.actor_subject, opened.actor_role) == ("agent-7", "AGENT")
    assert ticket.case_number == "CS-000123"
    assert ticket.status is CaseStatus.OPEN
    assert ticket.tags == ("shipping", "vip")
    assert (ticket.order_id, ticket.external_ref) == ("order-42", "gorgias:991")
    assert ticket.version == 1


def test_every_event_class_has_an_explicit_versioned_topic() -> None:
    event_classes = [
        value
        for value in vars(Ticket).values()
        if isinstance(value, type) and issubclass(value, Ticket.Event) and value is not Ticket.Event
    ]
    assert len(event_classes) >= 9
    for event_class in event_classes:
        assert event_class.TOPIC.startswith("casetrail.ticket.")
        assert event_class.TOPIC.endswith(".v1")


ALL_STATUSES = list(CaseStatus)


@pytest.mark.parametrize("start", ALL_STATUSES)
@pytest.mark.parametrize("target", ALL_STATUSES)
def test_status_transitions_follow_the_lifecycle(start: CaseStatus, target: CaseStatus) -> None:
    ticket = ticket_in(start)
    if target == start:
        ticket.change_status(target, reason=None, actor=AGENT, at=T0)
        assert ticket.collect_events() == []
    elif target in ALLOWED_STATUS_CHANGES[start]:
        ticket.change_status(target, reason="because", actor=AGENT, at=T0)
        assert ticket.status is target
        assert len(ticket.collect_events()) == 1
    else:
        with pytest.raises(InvalidTransition) as refused:
            ticket.change_status(target, reason=None, actor=AGENT, at=T0)
        assert refused.value.current == start.value
        assert ticket.status is start


def test_resolving_and_reopening_are_their_own_events() -> None:
    ticket = new_ticket()
    later = T0 + timedelta(hours=2)
    ticket.change_status(CaseStatus.RESOLVED, reason="refund sent", actor=AGENT, at=later)
    assert ticket.resolved_at == later
    ticket.change_status(CaseStatus.OPEN, reason="customer wrote back", actor=AGENT, at=later)
    events = ticket.collect_events()
    assert [type(event).__name__ for event in events] == ["Opened", "Resolved", "Reopened"]
    assert ticket.resolved_at is None


def test_a_closed_case_refuses_every_change() -> None:
    ticket = ticket_in(CaseStatus.CLOSED)
    with pytest.raises(CaseIsClosed):
        ticket.change_priority(Priority.LOW, actor=AGENT, at=T0)
    with pytest.raises(CaseIsClosed):
        ticket.assign("agent-1", reason=AssignmentReason.MANUAL, actor=AGENT, at=T0)
    with pytest.raises(CaseIsClosed):
        ticket.escalate(reason="angry", actor=AGENT, at=T0)
    with pytest.raises(CaseIsClosed):
        ticket.tag(["x"], actor=AGENT, at=T0)
    with pytest.raises(CaseIsClosed):
        ticket.route("billing", reason="refund", actor=AGENT, at=T0)
    assert not ticket.accepts_messages


def test_routing_records_each_move_between_departments_with_its_reason() -> None:
    ticket = new_ticket()
    ticket.collect_events()
    ticket.route("billing", reason="invoice question", actor=AGENT, at=T0)
    ticket.route("billing", reason="again", actor=AGENT, at=T0)  # already there: nothing
    ticket.route("returns", reason="it is a return", actor=AGENT, at=T0)
    first, second = ticket.collect_events()
    assert isinstance(first, Ticket.Routed)
    assert isinstance(second, Ticket.Routed)
    assert (first.from_department_id, first.to_department_id) == (None, "billing")
    assert (second.from_department_id, second.to_department_id, second.reason) == (
        "billing",
        "returns",
        "it is a return",
    )
    assert ticket.department_id == "returns"


def test_assignment_transfer_and_unassignment() -> None:
    ticket = new_ticket()
    with pytest.raises(CaseNotAssigned):
        ticket.assign("agent-2", reason=AssignmentReason.TRANSFER, actor=AGENT, at=T0)
    ticket.assign("agent-1", reason=AssignmentReason.AUTO, actor=AGENT, at=T0)
    ticket.assign("agent-1", reason=AssignmentReason.MANUAL, actor=AGENT, at=T0)  # no change
    ticket.assign("agent-2", reason=AssignmentReason.TRANSFER, actor=AGENT, at=T0)
    ticket.unassign(actor=AGENT, at=T0)
    ticket.unassign(actor=AGENT, at=T0)  # already unassigned: nothing to record
    events = ticket.collect_events()[1:]
    assert [type(event).__name__ for event in events] == ["Assigned", "Assigned", "Unassigned"]
    assert events[1].previous_agent_id == "agent-1"  # type: ignore[attr-defined]
    assert ticket.assignee_id is None


def test_escalation_raises_the_level_each_time_and_not_on_resolved_cases() -> None:
    ticket = new_ticket()
    ticket.escalate(reason="VIP", actor=AGENT, at=T0)
    ticket.escalate(reason="still broken", actor=AGENT, at=T0)
    assert ticket.escalation_level == 2
    ticket.change_status(CaseStatus.RESOLVED, reason=None, actor=AGENT, at=T0)
    with pytest.raises(InvalidTransition):
        ticket.escalate(reason="late", actor=AGENT, at=T0)


def test_tags_are_normalised_and_only_real_changes_are_recorded() -> None:
    ticket = new_ticket()
    ticket.collect_events()
    ticket.tag(["VIP", "refund"], actor=AGENT, at=T0)
    ticket.untag(["missing"], actor=AGENT, at=T0)
    ticket.untag(["Shipping"], actor=AGENT, at=T0)
    events = ticket.collect_events()
    assert [(type(event).__name__, event.tags) for event in events] == [  # type: ignore[attr-defined]
        ("Tagged", ["refund"]),
        ("Untagged", ["shipping"]),
    ]
    assert ticket.tags == ("refund", "vip")


def test_priority_change_records_from_and_to() -> None:
    ticket = new_ticket()
    ticket.change_priority(Priority.URGENT, actor=AGENT, at=T0)
    ticket.change_priority(Priority.URGENT, actor=AGENT, at=T0)
    [change] = ticket.collect_events()[1:]
    assert (change.from_priority, change.to_priority) == ("high", "urgent")  # type: ignore[attr-defined]


def test_a_case_holds_at_most_so_many_tags_and_escalation_levels() -> None:
    ticket = new_ticket(tags=[])
    ticket.tag([f"t{n}" for n in range(MAX_TAGS_PER_CASE)], actor=AGENT, at=T0)
    with pytest.raises(CaseLimitReached):
        ticket.tag(["one-more"], actor=AGENT, at=T0)
    ticket.tag(["t0"], actor=AGENT, at=T0)  # already there: no change, no refusal
    for _ in range(MAX_ESCALATION_LEVEL):
        ticket.escalate(reason="still broken", actor=AGENT, at=T0)
    with pytest.raises(CaseLimitReached):
        ticket.escalate(reason="and again", actor=AGENT, at=T0)
    assert (len(ticket.tags), ticket.escalation_level) == (
        MAX_TAGS_PER_CASE,
        MAX_ESCALATION_LEVEL,
    )
    with pytest.raises(CaseLimitReached):
        new_ticket(tags=[f"t{n}" for n in range(MAX_TAGS_PER_CASE + 1)])
