from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from casetrail.cases.domain.conversation import Conversation, conversation_id_for_case
from casetrail.cases.domain.values import AuthorType
from casetrail.kernel.actor import Actor

CUSTOMER = Actor(subject="cust-1", role="CUSTOMER")
T0 = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_messages_get_consecutive_positions_and_keep_their_flags() -> None:
    case_id = uuid4()
    conversation = Conversation.start_for_case(case_id, actor=CUSTOMER, at=T0)
    assert conversation.id == conversation_id_for_case(case_id)
    first = conversation.post(
        message_id=uuid4(),
        author_type=AuthorType.CUSTOMER,
        author_id="cust-1",
        body="Where is my parcel?",
        attachment_uri="s3://bucket/photo.jpg",
        internal=False,
        actor=CUSTOMER,
        at=T0,
    )
    note = conversation.post(
        message_id=uuid4(),
        author_type=AuthorType.AGENT,
        author_id="agent-1",
        body="Carrier says lost",
        attachment_uri=None,
        internal=True,
        actor=CUSTOMER,
        at=T0,
    )
    assert (first.position, note.position) == (1, 2)
    assert note.internal
    assert not first.internal
    assert first.attachment_uri == "s3://bucket/photo.jpg"
    assert [type(event).__name__ for event in conversation.collect_events()] == [
        "Started",
        "MessagePosted",
        "MessagePosted",
    ]


def test_the_conversation_of_a_case_has_a_stable_id() -> None:
    case_id = uuid4()
    assert conversation_id_for_case(case_id) == conversation_id_for_case(case_id)
    assert conversation_id_for_case(case_id) != conversation_id_for_case(uuid4())
