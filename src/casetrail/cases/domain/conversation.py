"""The thread of messages around a case: customer, agent and bot messages, internal notes.

A conversation may begin before any case exists (a chat session); the conversation of a
case has an id derived from the case id, so finding it needs no lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from casetrail.cases.domain.values import AuthorType
from casetrail.kernel.actor import Actor

CONVERSATION_NAMESPACE = UUID("6f1d2f4e-8a57-4c1b-9a44-1c3f2b0d7e21")


def conversation_id_for_case(case_id: UUID) -> UUID:
    return uuid5(CONVERSATION_NAMESPACE, str(case_id))


# Who reads agent-only notes: the staff who work cases, and casetrail itself. Everyone else
# (customers, analysts, services) reads the conversation as the customer does. The one rule
# behind every surface that shows messages: /messages, /history, exports, the timeline.
NOTE_READER_ROLES = frozenset({"AGENT", "SUPERVISOR", "SYSTEM"})


def may_read_internal_notes(role: str) -> bool:
    return role in NOTE_READER_ROLES


# Who may post in someone else's name: a bot or an import of another helpdesk's history.
# People speak as themselves. Either way the event records the actor beside the author.
SPEAKS_FOR_OTHERS_ROLES = frozenset({"SERVICE", "SYSTEM"})


def may_speak_for_others(role: str) -> bool:
    return role in SPEAKS_FOR_OTHERS_ROLES


@dataclass(frozen=True)
class Message:
    message_id: UUID
    position: int
    author_type: AuthorType
    author_id: str
    body: str
    attachment_uri: str | None
    internal: bool
    posted_at: datetime


class Conversation(Aggregate):
    TOPIC = "casetrail.conversation"

    if TYPE_CHECKING:
        case_id: UUID | None
        messages: list[Message]

    class Event(Aggregate.Event):
        actor_subject: str
        actor_role: str

    class Started(Event, Aggregate.Created):
        TOPIC = "casetrail.conversation.Started.v1"
        case_id: UUID | None

        def apply(self, aggregate: Any) -> None:
            aggregate.case_id = self.case_id
            aggregate.messages = []

    Created = Started  # the library's name for the creating event

    class MessagePosted(Event):
        TOPIC = "casetrail.conversation.MessagePosted.v1"
        message_id: UUID
        position: int
        author_type: str
        author_id: str
        body: str
        attachment_uri: str | None
        internal: bool

        def apply(self, aggregate: Any) -> None:
            aggregate.messages.append(
                Message(
                    message_id=self.message_id,
                    position=self.position,
                    author_type=AuthorType(self.author_type),
                    author_id=self.author_id,
                    body=self.body,
                    attachment_uri=self.attachment_uri,
                    internal=self.internal,
                    posted_at=self.timestamp,
                )
            )

    @classmethod
    def start_for_case(cls, case_id: UUID, *, actor: Actor, at: datetime) -> Conversation:
        return cls._create(
            cls.Started,
            id=conversation_id_for_case(case_id),
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            case_id=case_id,
        )

    def post(
        self,
        *,
        message_id: UUID,
        author_type: AuthorType,
        author_id: str,
        body: str,
        attachment_uri: str | None,
        internal: bool,
        actor: Actor,
        at: datetime,
    ) -> Message:
        self.trigger_event(
            self.MessagePosted,
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            message_id=message_id,
            position=len(self.messages) + 1,
            author_type=author_type.value,
            author_id=author_id,
            body=body,
            attachment_uri=attachment_uri,
            internal=internal,
        )
        return self.messages[-1]
