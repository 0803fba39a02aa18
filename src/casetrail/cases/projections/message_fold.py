"""How conversation events become message rows: a pure fold, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

from casetrail.cases.domain.conversation import Conversation
from casetrail.cases.projections.rows import MessageRow


def conversations_needed(events: Iterable[Any]) -> set[UUID]:
    """Conversations whose case the fold must look up (started before this batch)."""
    started = set()
    needed = set()
    for event in events:
        if isinstance(event, Conversation.Started):
            started.add(event.originator_id)
        elif isinstance(event, Conversation.MessagePosted) and event.originator_id not in started:
            needed.add(event.originator_id)
    return needed


class MessageFold:
    """New conversations (with their case) and new messages from a run of events."""

    def __init__(self, known_cases: Mapping[UUID, UUID | None]) -> None:
        self._case_of: dict[UUID, UUID | None] = dict(known_cases)
        self.new_conversations: dict[UUID, UUID | None] = {}
        self.new_messages: list[MessageRow] = []

    def apply_all(self, events: Sequence[Any]) -> None:
        for event in events:
            self.apply(event)

    def apply(self, event: Any) -> None:
        if isinstance(event, Conversation.Started):
            self._case_of[event.originator_id] = event.case_id
            self.new_conversations[event.originator_id] = event.case_id
        elif isinstance(event, Conversation.MessagePosted):
            self.new_messages.append(
                MessageRow(
                    message_id=event.message_id,
                    conversation_id=event.originator_id,
                    case_id=self._case_of.get(event.originator_id),
                    position=event.position,
                    author_type=event.author_type,
                    author_id=event.author_id,
                    body=event.body,
                    attachment_uri=event.attachment_uri,
                    internal=event.internal,
                    posted_at=event.timestamp,
                )
            )
