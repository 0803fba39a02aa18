"""How events change a case list row: counts, waiting time, first response, assignment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from casetrail.cases.domain.conversation import Conversation
from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.domain.values import (
    AssignmentReason,
    AuthorType,
    CaseStatus,
    Channel,
    Priority,
)
from casetrail.cases.projections.case_fold import CaseFold, CaseRowMissing, rows_needed
from casetrail.cases.projections.message_fold import MessageFold, conversations_needed
from casetrail.kernel.actor import Actor

AGENT = Actor(subject="agent-1", role="AGENT")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


class Story:
    """A case and its conversation, told event by event."""

    def __init__(self) -> None:
        self.ticket = Ticket.open(
            case_id=uuid.uuid4(),
            sequence_number=7,
            customer_id="cust-1",
            subject="Broken",
            description="It broke",
            priority=Priority.HIGH,
            channel=Channel.CHAT,
            tags=["a"],
            order_id=None,
            external_ref=None,
            actor=AGENT,
            at=minutes(0),
        )
        self.conversation = Conversation.start_for_case(self.ticket.id, actor=AGENT, at=minutes(0))
        self.events: list[Any] = [
            *self.ticket.collect_events(),
            *self.conversation.collect_events(),
        ]

    def post(self, author: AuthorType, at: int, *, internal: bool = False) -> None:
        self.conversation.post(
            message_id=uuid.uuid4(),
            author_type=author,
            author_id="someone",
            body="hi",
            attachment_uri=None,
            internal=internal,
            actor=AGENT,
            at=minutes(at),
        )
        self.events += self.conversation.collect_events()

    def change(self, at: int, **what: Any) -> None:
        if "status" in what:
            self.ticket.change_status(what["status"], reason=None, actor=AGENT, at=minutes(at))
        if "assign" in what:
            self.ticket.assign(
                what["assign"], reason=AssignmentReason.MANUAL, actor=AGENT, at=minutes(at)
            )
        if "unassign" in what:
            self.ticket.unassign(actor=AGENT, at=minutes(at))
        if "tags" in what:
            self.ticket.tag(what["tags"], actor=AGENT, at=minutes(at))
        self.events += self.ticket.collect_events()

    def row(self, batch_size: int = 1_000) -> Any:
        """Fold the events in batches, reloading the rows between batches as a view does."""
        rows: list[Any] = []
        for start in range(0, len(self.events), batch_size):
            fold = CaseFold(rows)
            fold.apply_all(self.events[start : start + batch_size])
            rows = list(fold.rows.values())
        (row,) = rows
        return row


@pytest.mark.parametrize("batch_size", [1, 2, 1_000])
def test_a_case_row_follows_its_story_whatever_the_batches(batch_size: int) -> None:
    story = Story()
    story.post(AuthorType.CUSTOMER, 1)
    story.change(2, assign="agent-7")
    story.post(AuthorType.AGENT, 3, internal=True)
    story.post(AuthorType.AGENT, 4)
    story.change(5, tags=["b"], status=CaseStatus.PENDING_CUSTOMER)
    row = story.row(batch_size)
    assert (row.case_number, row.status, row.priority, row.tags) == (
        "CS-000007",
        "pending_customer",
        "high",
        ["a", "b"],
    )
    assert (row.message_count, row.internal_note_count) == (3, 1)
    assert row.first_response_at == minutes(4)  # the internal note is no response
    assert (row.assignee_id, row.assigned_at) == ("agent-7", minutes(2))
    assert (row.created_at, row.updated_at, row.last_activity_at) == (
        minutes(0),
        minutes(5),
        minutes(5),
    )
    assert row.version == story.ticket.version
    assert row.waiting_since is None  # the customer has the next move


def test_waiting_since_tracks_who_owes_the_next_move() -> None:
    story = Story()
    assert story.row().waiting_since == minutes(0)  # a new case waits for its first answer
    story.post(AuthorType.AGENT, 2)
    assert story.row().waiting_since is None
    story.post(AuthorType.CUSTOMER, 3)
    story.post(AuthorType.CUSTOMER, 4)
    assert story.row().waiting_since == minutes(3)  # since the first unanswered message
    story.change(5, status=CaseStatus.RESOLVED)
    assert story.row().waiting_since is None
    story.change(6, status=CaseStatus.OPEN)  # reopened
    assert story.row().waiting_since == minutes(6)
    assert story.row().resolved_at is None


def test_unassigning_clears_the_assignment() -> None:
    story = Story()
    story.change(1, assign="agent-7")
    story.change(2, unassign=True)
    assert (story.row().assignee_id, story.row().assigned_at) == (None, None)


def test_an_event_for_a_case_the_view_never_saw_is_refused_not_skipped() -> None:
    story = Story()
    story.change(1, status=CaseStatus.ON_HOLD)
    fold = CaseFold()
    with pytest.raises(CaseRowMissing):
        fold.apply(story.events[-1])


def test_the_rows_a_batch_needs_are_named_before_folding() -> None:
    story = Story()
    story.post(AuthorType.CUSTOMER, 1)
    story.change(2, status=CaseStatus.ON_HOLD)
    assert rows_needed(story.events) == ({story.ticket.id}, {story.conversation.id})
    assert conversations_needed(story.events) == set()  # started within the batch
    assert conversations_needed(story.events[-2:-1]) == {story.conversation.id}


def test_messages_know_their_case_across_batches() -> None:
    story = Story()
    story.post(AuthorType.CUSTOMER, 1)
    first = MessageFold({})
    first.apply_all(story.events[:2])
    assert first.new_conversations == {story.conversation.id: story.ticket.id}
    second = MessageFold(first.new_conversations)
    second.apply_all(story.events[2:])
    (message,) = second.new_messages
    assert (message.case_id, message.position, message.author_type) == (
        story.ticket.id,
        1,
        "CUSTOMER",
    )
