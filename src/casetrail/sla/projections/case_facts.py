"""A case's events as the clocks see them: the facts that start, stop, pause or re-target a
clock. Internal notes and bot messages are no facts: they answer nobody."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from casetrail.cases.published import Conversation, Ticket
from casetrail.sla.domain.facts import CaseFact, FactKind

# The case events the clocks follow (the conversation's tell which case they belong to).
FOLLOWED_TOPICS: tuple[str, ...] = (
    Ticket.Opened.TOPIC,
    Ticket.StatusChanged.TOPIC,
    Ticket.Resolved.TOPIC,
    Ticket.Reopened.TOPIC,
    Ticket.PriorityChanged.TOPIC,
    Ticket.Tagged.TOPIC,
    Ticket.Untagged.TOPIC,
    Ticket.Routed.TOPIC,
    Conversation.Started.TOPIC,
    Conversation.MessagePosted.TOPIC,
)


def ref_of(event: Any) -> str:
    return f"{event.originator_id}@{event.originator_version}"


def fact_of(event: Any) -> CaseFact | None:
    """The fact an event states, or None when it states none the clocks follow."""
    name = type(event).__name__
    ref, at = ref_of(event), event.timestamp
    if isinstance(event, Ticket.Opened):
        return CaseFact(
            ref,
            name,
            at,
            FactKind.OPENED,
            event.priority,
            channel=event.channel,
            tags=tuple(event.tags or ()),
            customer_id=event.customer_id,
        )
    if isinstance(event, Ticket.StatusChanged):
        return CaseFact(ref, name, at, FactKind.STATUS, event.to_status)
    if isinstance(event, Ticket.Resolved):
        return CaseFact(ref, name, at, FactKind.STATUS, "resolved")
    if isinstance(event, Ticket.Reopened):
        return CaseFact(ref, name, at, FactKind.STATUS, "open")
    if isinstance(event, Ticket.PriorityChanged):
        return CaseFact(ref, name, at, FactKind.PRIORITY, event.to_priority)
    if isinstance(event, Ticket.Tagged):
        return CaseFact(ref, name, at, FactKind.TAGGED, tags=tuple(event.tags or ()))
    if isinstance(event, Ticket.Untagged):
        return CaseFact(ref, name, at, FactKind.UNTAGGED, tags=tuple(event.tags or ()))
    if isinstance(event, Ticket.Routed):
        return CaseFact(ref, name, at, FactKind.ROUTED, event.to_department_id)
    if isinstance(event, Conversation.MessagePosted):
        if event.author_type == "CUSTOMER":
            return CaseFact(ref, name, at, FactKind.CUSTOMER_MESSAGE)
        if event.author_type == "AGENT" and not event.internal:
            return CaseFact(ref, name, at, FactKind.AGENT_REPLY)
    return None


def facts_of(events: Iterable[Any]) -> list[CaseFact]:
    """The facts of a case's events (its own and its conversation's), in time order."""
    facts = [fact for fact in map(fact_of, events) if fact is not None]
    facts.sort(key=lambda fact: fact.at)  # stable: one stream's order is kept on ties
    return facts


def case_of_conversation(event: Any) -> UUID | None:
    if isinstance(event, Conversation.Started):
        case_id: UUID | None = event.case_id
        return case_id
    return None
