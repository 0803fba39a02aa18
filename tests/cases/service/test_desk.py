"""The support desk on the in-memory event store (the library's POPO recorder)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from casetrail.cases.domain.errors import CaseIsClosed
from casetrail.cases.domain.values import AuthorType, CaseStatus, Priority
from casetrail.cases.service.commands import (
    AssignCase,
    ChangePriority,
    ChangeStatus,
    CommandContext,
    EscalateCase,
    OpenCase,
    PostMessage,
    TagCase,
    UnassignCase,
    UntagCase,
)
from casetrail.cases.service.desk import SupportDesk
from casetrail.cases.service.results import CaseNotFound, IdempotencyKeyReused, VersionConflict
from casetrail.kernel.actor import Actor
from casetrail.platform.eventstore.memory_recorder import MemoryFactory

AGENT = Actor(subject="agent-1", role="AGENT")
PLAIN = CommandContext(actor=AGENT)


class SteppingClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def desk(clock: SteppingClock) -> Iterator[SupportDesk]:
    app = SupportDesk(
        {"PERSISTENCE_MODULE": "casetrail.platform.eventstore.memory_recorder:MemoryFactory"},
        clock=clock,
        new_id=uuid4,
    )
    assert isinstance(app.factory, MemoryFactory)
    yield app
    app.close()


def open_case(desk: SupportDesk, context: CommandContext = PLAIN) -> UUID:
    return desk.open_case(
        OpenCase(customer_id="cust-9", subject="Refund", description="Item damaged"), context
    ).case_id


def test_every_command_changes_the_case(desk: SupportDesk) -> None:
    case_id = open_case(desk)
    desk.change_priority(ChangePriority(case_id, Priority.URGENT), PLAIN)
    desk.assign_case(AssignCase(case_id, "agent-2"), PLAIN)
    desk.tag_case(TagCase(case_id, ("refund",)), PLAIN)
    desk.untag_case(UntagCase(case_id, ("refund",)), PLAIN)
    desk.escalate_case(EscalateCase(case_id, "VIP customer"), PLAIN)
    desk.unassign_case(UnassignCase(case_id), PLAIN)
    result = desk.change_status(ChangeStatus(case_id, CaseStatus.PENDING_CUSTOMER), PLAIN)
    ticket = desk.get_case(case_id)
    assert result.version == ticket.version == 8
    assert ticket.priority is Priority.URGENT
    assert ticket.escalation_level == 1
    assert ticket.assignee_id is None
    assert ticket.status is CaseStatus.PENDING_CUSTOMER
    assert result.position is not None


def test_case_numbers_are_unique_and_readable(desk: SupportDesk) -> None:
    numbers = {desk.get_case(open_case(desk)).case_number for _ in range(5)}
    assert len(numbers) == 5
    assert all(number.startswith("CS-") and len(number) == 9 for number in numbers)


def test_messages_are_appended_with_positions(desk: SupportDesk) -> None:
    case_id = open_case(desk)
    results = [
        desk.post_message(
            PostMessage(case_id, AuthorType.CUSTOMER, "cust-9", f"message {n}"), PLAIN
        )
        for n in range(3)
    ]
    assert [result.message_position for result in results] == [1, 2, 3]
    conversation = desk.get_conversation(case_id)
    assert conversation is not None
    assert [message.body for message in conversation.messages] == [
        "message 0",
        "message 1",
        "message 2",
    ]


def test_a_closed_case_accepts_no_messages(desk: SupportDesk) -> None:
    case_id = open_case(desk)
    desk.change_status(ChangeStatus(case_id, CaseStatus.RESOLVED), PLAIN)
    desk.change_status(ChangeStatus(case_id, CaseStatus.CLOSED), PLAIN)
    with pytest.raises(CaseIsClosed):
        desk.post_message(PostMessage(case_id, AuthorType.AGENT, "agent-1", "hello?"), PLAIN)


def test_unknown_cases_are_not_found(desk: SupportDesk) -> None:
    missing = uuid4()
    with pytest.raises(CaseNotFound):
        desk.get_case(missing)
    with pytest.raises(CaseNotFound):
        desk.change_priority(ChangePriority(missing, Priority.LOW), PLAIN)
    with pytest.raises(CaseNotFound):
        desk.post_message(PostMessage(missing, AuthorType.AGENT, "a", "x"), PLAIN)
    with pytest.raises(CaseNotFound):
        desk.case_history(missing)


def test_a_conversation_id_is_not_a_case(desk: SupportDesk) -> None:
    from casetrail.cases.domain.conversation import conversation_id_for_case

    case_id = open_case(desk)
    desk.post_message(PostMessage(case_id, AuthorType.AGENT, "agent-1", "hi"), PLAIN)
    with pytest.raises(CaseNotFound):
        desk.get_case(conversation_id_for_case(case_id))


def test_a_stale_expected_version_is_refused(desk: SupportDesk) -> None:
    case_id = open_case(desk)
    desk.change_priority(ChangePriority(case_id, Priority.HIGH), CommandContext(AGENT, 1))
    with pytest.raises(VersionConflict) as conflict:
        desk.change_priority(ChangePriority(case_id, Priority.LOW), CommandContext(AGENT, 1))
    assert conflict.value.actual == 2
    assert desk.get_case(case_id).priority is Priority.HIGH


def test_a_repeated_idempotency_key_replays_the_first_result(desk: SupportDesk) -> None:
    context = CommandContext(AGENT, idempotency_key="k-1", fingerprint="body-a")
    first = desk.open_case(OpenCase("cust-1", "Subject", "Text"), context)
    again = desk.open_case(OpenCase("cust-1", "Subject", "Text"), context)
    assert again.case_id == first.case_id
    assert again.case_number == first.case_number
    assert again.replayed
    assert desk.recorder.max_notification_id() == 1  # nothing new was recorded


def test_an_idempotency_key_reused_for_another_request_is_refused(desk: SupportDesk) -> None:
    desk.open_case(OpenCase("cust-1", "A", ""), CommandContext(AGENT, None, "k-2", "body-a"))
    with pytest.raises(IdempotencyKeyReused):
        desk.open_case(OpenCase("cust-1", "B", ""), CommandContext(AGENT, None, "k-2", "body-b"))


def test_idempotent_state_change_is_applied_once(desk: SupportDesk) -> None:
    case_id = open_case(desk)
    context = CommandContext(AGENT, idempotency_key="esc-1", fingerprint="f")
    desk.escalate_case(EscalateCase(case_id, "first"), context)
    desk.escalate_case(EscalateCase(case_id, "first"), context)
    assert desk.get_case(case_id).escalation_level == 1


def test_time_travel_returns_the_case_as_it_stood(desk: SupportDesk, clock: SteppingClock) -> None:
    case_id = open_case(desk)
    opened_at = desk.get_case(case_id).created_on
    desk.change_priority(ChangePriority(case_id, Priority.URGENT), PLAIN)
    desk.change_status(ChangeStatus(case_id, CaseStatus.RESOLVED), PLAIN)
    assert desk.get_case_as_of(case_id, opened_at).priority is Priority.MEDIUM
    middle = desk.get_case_as_of(case_id, opened_at + timedelta(minutes=1, seconds=30))
    assert (middle.priority, middle.status) == (Priority.URGENT, CaseStatus.OPEN)
    assert desk.get_case_as_of(case_id, clock.now).status is CaseStatus.RESOLVED
    with pytest.raises(CaseNotFound):
        desk.get_case_as_of(case_id, opened_at - timedelta(seconds=1))


def test_history_tells_who_did_what_and_when(desk: SupportDesk) -> None:
    case_id = open_case(desk)
    supervisor = Actor(subject="sup-1", role="SUPERVISOR")
    desk.assign_case(AssignCase(case_id, "agent-3"), CommandContext(supervisor))
    desk.post_message(PostMessage(case_id, AuthorType.AGENT, "agent-3", "On it"), PLAIN)
    history = desk.case_history(case_id)
    assert [(entry.stream, entry.type) for entry in history] == [
        ("case", "Opened"),
        ("case", "Assigned"),
        ("conversation", "Started"),
        ("conversation", "MessagePosted"),
    ]
    assert (history[1].actor_subject, history[1].actor_role) == ("sup-1", "SUPERVISOR")
    assert history[1].data["agent_id"] == "agent-3"
    assert [entry.at for entry in history] == sorted(entry.at for entry in history)
