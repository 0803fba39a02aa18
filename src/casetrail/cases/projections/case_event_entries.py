"""How a case event reads on the timeline: its kind, a one-line summary and a payload.

A pure function of the event, so a rebuild from zero writes the same rows. Kinds are part of
the timeline's contract (analysts filter on them): never renamed, only added.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from casetrail.cases.domain.ticket import Ticket

# Envelope fields every event carries; the payload holds what the event says.
_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}
_ACTOR = ("actor_subject", "actor_role")


@dataclass(frozen=True)
class CaseEventEntry:
    case_id: UUID
    version: int
    at: datetime
    kind: str
    summary: str
    payload: dict[str, Any]


def _opened(event: Any) -> str:
    return f"Case {event.case_number} opened: {event.subject}"


def _status_changed(event: Any) -> str:
    return _with_reason(f"Status {event.from_status} → {event.to_status}", event.reason)


def _resolved(event: Any) -> str:
    return _with_reason("Resolved", event.resolution)


def _reopened(event: Any) -> str:
    return _with_reason("Reopened", event.reason)


def _priority_changed(event: Any) -> str:
    return f"Priority {event.from_priority} → {event.to_priority}"


def _assigned(event: Any) -> str:
    if event.previous_agent_id:
        return f"Assigned to {event.agent_id} (from {event.previous_agent_id}, {event.reason})"
    return f"Assigned to {event.agent_id} ({event.reason})"


def _unassigned(event: Any) -> str:
    return f"Unassigned from {event.previous_agent_id}"


def _escalated(event: Any) -> str:
    return f"Escalated to level {event.level}: {event.reason}"


def _routed(event: Any) -> str:
    return _with_reason(f"Routed to department {event.to_department_id}", event.reason)


def _tagged(event: Any) -> str:
    return "Tagged " + ", ".join(event.tags)


def _untagged(event: Any) -> str:
    return "Untagged " + ", ".join(event.tags)


def _details_changed(event: Any) -> str:
    return "Changed " + ", ".join(name.replace("_", " ") for name in event.changed)


def _customer_changed(_event: Any) -> str:
    # The ids are in the payload (where the analysts' view pseudonymises them).
    return "Moved to another customer"


def _archived(_event: Any) -> str:
    return "Archived"


def _restored(_event: Any) -> str:
    return "Restored from the archive"


_DESCRIPTIONS: dict[type[Ticket.Event], tuple[str, Callable[[Any], str]]] = {
    Ticket.Opened: ("case_opened", _opened),
    Ticket.StatusChanged: ("status_changed", _status_changed),
    Ticket.Resolved: ("case_resolved", _resolved),
    Ticket.Reopened: ("case_reopened", _reopened),
    Ticket.PriorityChanged: ("priority_changed", _priority_changed),
    Ticket.Assigned: ("case_assigned", _assigned),
    Ticket.Unassigned: ("case_unassigned", _unassigned),
    Ticket.Escalated: ("case_escalated", _escalated),
    Ticket.Routed: ("case_routed", _routed),
    Ticket.Tagged: ("tags_added", _tagged),
    Ticket.Untagged: ("tags_removed", _untagged),
    Ticket.DetailsChanged: ("details_changed", _details_changed),
    Ticket.CustomerChanged: ("customer_changed", _customer_changed),
    Ticket.Archived: ("case_archived", _archived),
    Ticket.Restored: ("case_restored", _restored),
}

CASE_EVENT_KINDS: tuple[str, ...] = tuple(kind for kind, _ in _DESCRIPTIONS.values())


def case_event_entry(event: Ticket.Event) -> CaseEventEntry:
    described = _DESCRIPTIONS.get(type(event))
    if described is None:
        # An event class added later and not described yet still shows, under its own name.
        kind, summary = _snake_case(type(event).__name__), type(event).__name__
    else:
        kind, summary = described[0], described[1](event)
    return CaseEventEntry(
        case_id=event.originator_id,
        version=event.originator_version,
        at=event.timestamp,
        kind=kind,
        summary=summary,
        payload=event_payload(event),
    )


def event_payload(event: Ticket.Event) -> dict[str, Any]:
    fields = vars(event)
    payload: dict[str, Any] = {
        name: _plain(value)
        for name, value in fields.items()
        if name not in _ENVELOPE and name not in _ACTOR
    }
    payload["actor"] = {"subject": event.actor_subject, "role": event.actor_role}
    return payload


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _with_reason(text: str, reason: str | None) -> str:
    return f"{text}: {reason}" if reason else text


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
