"""Text PostgreSQL cannot hold, in events the event store accepted, never stops a read model.

NUL reaches the store through the desk itself (the HTTP API refuses it, the desk does not);
unpaired surrogates through events recorded by an earlier release (stored JSON escapes
such as ``\\ud800``). Every read model must apply them, store U+FFFD in their place, and
keep emoji, other 4-byte characters and right-to-left overrides exactly as written.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from eventsourcing.persistence import Mapper, StoredEvent

from casetrail.bootstrap.contexts import projection_views
from casetrail.bootstrap.read_side import ReadSide
from casetrail.bootstrap.readiness import projections_check
from casetrail.cases.domain.conversation import Conversation
from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.domain.values import (
    AssignmentReason,
    AuthorType,
    CaseStatus,
    Channel,
    Priority,
)
from casetrail.cases.queries import CaseFilter, CaseQuery
from casetrail.cases.service.commands import (
    AssignCase,
    ChangeStatus,
    CommandContext,
    EscalateCase,
    OpenCase,
    PostMessage,
    TagCase,
    UntagCase,
)
from casetrail.cases.service.desk import SupportDesk
from casetrail.kernel.actor import Actor
from casetrail.timeline.model import TimelineQuery
from casetrail.timeline.postgres_reader import PostgresTimelineReader
from casetrail.timeline.view import ensure_timeline_view

pytestmark = pytest.mark.integration

NUL = "\x00"
REPLACED = "\ufffd"
# Kept exactly: a 4-byte emoji, a 4-byte CJK character and a right-to-left override.
KEPT = "\U0001f4e6 \U00020bb7 \u202etxet desrever"


def nul_text(field: str) -> str:
    return f"{field}{NUL}{KEPT}"


def stored_text(field: str) -> str:
    return f"{field}{REPLACED}{KEPT}"


@pytest.fixture
def timeline(read_side: ReadSide, database_url: str) -> Iterator[PostgresTimelineReader]:
    with read_side.database.connect() as conn:
        ensure_timeline_view(conn)
    reader = PostgresTimelineReader(database_url, pool_size=1)
    reader.open()
    yield reader
    reader.close()


def head(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT max(notification_id) FROM support_events").fetchone()
    return int(row[0]) if row and row[0] else 0


def assert_every_read_model_current(read_side: ReadSide, database_url: str) -> None:
    position = head(database_url)
    assert read_side.read_model.wait_for(position, list(projection_views()), timeout=20), (
        f"read models stopped at {read_side.read_model.positions()}, the log is at {position}"
    )
    for status in read_side.status.read():
        assert status.lag_events == 0, status
    assert projections_check(read_side.status, 30.0)() is None


def case_events(database_url: str, case_id: uuid.UUID) -> list[tuple[str, str, dict[str, object]]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT kind, summary, payload FROM case_events WHERE case_id = %s ORDER BY version",
            (case_id,),
        ).fetchall()
    return [(kind, summary, payload) for kind, summary, payload in rows]


def test_nul_in_every_field_written_through_the_desk_is_projected_everywhere(
    postgres_desk: SupportDesk,
    read_side: ReadSide,
    timeline: PostgresTimelineReader,
    database_url: str,
) -> None:
    agent = CommandContext(Actor(subject=nul_text("agent"), role="AGENT"))
    customer_id = f"cust-{KEPT}"  # the key store keeps customer ids in a text column
    opened = postgres_desk.open_case(
        OpenCase(
            customer_id=customer_id,
            subject=nul_text("subject"),
            description=nul_text("description"),
            tags=(nul_text("first"), nul_text("second")),
            order_id=nul_text("order"),
            external_ref=nul_text("ref"),
        ),
        agent,
    )
    case_id = opened.case_id
    postgres_desk.post_message(
        PostMessage(
            case_id,
            AuthorType.CUSTOMER,
            nul_text("author"),
            nul_text("body"),
            attachment_uri=nul_text("https://files.example/a"),
        ),
        agent,
    )
    postgres_desk.post_message(
        PostMessage(case_id, AuthorType.AGENT, nul_text("agent"), nul_text("note"), internal=True),
        agent,
    )
    postgres_desk.change_status(ChangeStatus(case_id, CaseStatus.ON_HOLD, nul_text("why")), agent)
    postgres_desk.assign_case(AssignCase(case_id, nul_text("assignee")), agent)
    postgres_desk.escalate_case(EscalateCase(case_id, nul_text("escalation")), agent)
    postgres_desk.tag_case(TagCase(case_id, (nul_text("third"),)), agent)
    postgres_desk.untag_case(UntagCase(case_id, (nul_text("first"),)), agent)
    postgres_desk.change_status(
        ChangeStatus(case_id, CaseStatus.RESOLVED, nul_text("resolution")), agent
    )

    assert_every_read_model_current(read_side, database_url)

    case = read_side.read_model.get_case(case_id)
    assert case is not None
    assert (case.customer_id, case.subject, case.description) == (
        customer_id,
        stored_text("subject"),
        stored_text("description"),
    )
    assert (case.order_id, case.external_ref) == (stored_text("order"), stored_text("ref"))
    assert case.opened_by_subject == stored_text("agent")
    assert case.assignee_id == stored_text("assignee")
    assert case.tags == sorted([stored_text("second"), stored_text("third")])
    assert (case.status, case.escalation_level, case.message_count) == ("resolved", 1, 2)

    found = read_side.read_model.list_cases(CaseQuery(CaseFilter(text="desrever")))
    assert [row.id for row in found.rows] == [case_id]
    mine = read_side.read_model.list_cases(CaseQuery(CaseFilter(customer_id=customer_id)))
    assert [row.id for row in mine.rows] == [case_id]

    message, note = read_side.read_model.messages(case_id, 0, 10)
    assert (message.author_id, message.body, message.attachment_uri) == (
        stored_text("author"),
        stored_text("body"),
        stored_text("https://files.example/a"),
    )
    assert (note.body, note.internal) == (stored_text("note"), True)

    kinds = [kind for kind, _, _ in case_events(database_url, case_id)]
    assert kinds == [
        "case_opened",
        "status_changed",
        "case_assigned",
        "case_escalated",
        "tags_added",
        "tags_removed",
        "case_resolved",
    ]
    _, summary, payload = case_events(database_url, case_id)[3]
    assert summary == f"Escalated to level 1: {stored_text('escalation')}"
    assert payload["reason"] == stored_text("escalation")
    assert payload["actor"] == {"subject": stored_text("agent"), "role": "AGENT"}

    page = timeline.read(TimelineQuery(case_id, include_internal=True))
    summaries = [entry.summary for entry in page.entries]
    assert f"Status open → on_hold: {stored_text('why')}" in summaries
    bodies = [json.loads(entry.payload).get("body") for entry in page.entries]
    assert stored_text("body") in bodies
    assert stored_text("note") in bodies


def legacy_events(desk: SupportDesk, *aggregates: Ticket | Conversation) -> list[StoredEvent]:
    """The aggregates' pending events as an earlier release stored them: plain JSON whose
    text may hold the escapes ``\\u0000`` and ``\\ud800`` (written here as markers)."""
    plain: Mapper[uuid.UUID] = Mapper(
        desk.mapper.transcoder, desk.mapper.compressor, desk.mapper.cipher
    )
    stored = []
    for aggregate in aggregates:
        for event in aggregate.collect_events():
            item = plain.to_stored_event(event)
            state = item.state.replace(b"<nul>", b"\\u0000").replace(b"<lone>", b"\\ud800")
            stored.append(
                StoredEvent(item.originator_id, item.originator_version, item.topic, state)
            )
    assert any(b"\\ud800" in item.state for item in stored), "the state is plain JSON"
    return stored


def test_unpaired_surrogates_and_nul_in_events_of_an_earlier_release_are_projected(
    postgres_desk: SupportDesk,
    read_side: ReadSide,
    timeline: PostgresTimelineReader,
    database_url: str,
) -> None:
    odd = f"<nul><lone>{KEPT}"
    actor = Actor(subject=f"import{odd}", role="SYSTEM")
    at = datetime(2025, 6, 1, tzinfo=UTC)
    ticket = Ticket.open(
        case_id=uuid.uuid4(),
        sequence_number=900_001,
        customer_id=f"cust{odd}",
        subject=f"subject{odd}",
        description=f"description{odd}",
        priority=Priority.HIGH,
        channel=Channel.EMAIL,
        tags=[f"tag{odd}"],
        order_id=f"order{odd}",
        external_ref=f"ref{odd}",
        actor=actor,
        at=at,
    )
    conversation = Conversation.start_for_case(ticket.id, actor=actor, at=at)
    conversation.post(
        message_id=uuid.uuid4(),
        author_type=AuthorType.CUSTOMER,
        author_id=f"author{odd}",
        body=f"body{odd}",
        attachment_uri=f"https://files.example/{odd}",
        internal=False,
        actor=actor,
        at=at,
    )
    ticket.assign(f"agent{odd}", reason=AssignmentReason.MANUAL, actor=actor, at=at)
    ticket.escalate(reason=f"escalation{odd}", actor=actor, at=at)
    ticket.change_status(CaseStatus.ON_HOLD, reason=f"why{odd}", actor=actor, at=at)
    postgres_desk.recorder.insert_events(legacy_events(postgres_desk, ticket, conversation))
    after = postgres_desk.open_case(
        OpenCase("cust-2", "After the old events", ""),
        CommandContext(actor=Actor(subject="agent-1", role="AGENT")),
    )

    assert_every_read_model_current(read_side, database_url)

    def replaced(field: str) -> str:
        return f"{field}{REPLACED}{REPLACED}{KEPT}"

    case = read_side.read_model.get_case(ticket.id)
    assert case is not None
    assert (case.customer_id, case.subject, case.description, case.order_id) == (
        replaced("cust"),
        replaced("subject"),
        replaced("description"),
        replaced("order"),
    )
    assert (case.tags, case.assignee_id, case.opened_by_subject) == (
        [replaced("tag")],
        replaced("agent"),
        replaced("import"),
    )
    (message,) = read_side.read_model.messages(ticket.id, 0, 10)
    assert (message.author_id, message.body) == (replaced("author"), replaced("body"))
    assert message.attachment_uri == replaced("https://files.example/")
    payloads = [payload for _, _, payload in case_events(database_url, ticket.id)]
    assert payloads[0]["subject"] == replaced("subject")
    assert payloads[-1]["reason"] == replaced("why")
    page = timeline.read(TimelineQuery(ticket.id, include_internal=True))
    assert f"Escalated to level 1: {replaced('escalation')}" in [
        entry.summary for entry in page.entries
    ]
    assert read_side.read_model.get_case(after.case_id) is not None
