"""The audit trail: each stored event as who did what, when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from eventsourcing.domain import AggregateEvent

# Bookkeeping fields every event has; the rest is what the event says.
_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}
_ACTOR = {"actor_subject", "actor_role"}


@dataclass(frozen=True)
class HistoryEntry:
    stream: Literal["case", "conversation"]
    version: int
    type: str
    at: datetime
    actor_subject: str
    actor_role: str
    data: dict[str, Any]


def history_entry(stream: Literal["case", "conversation"], event: AggregateEvent) -> HistoryEntry:
    fields = dict(vars(event))
    data = {
        name: str(value) if isinstance(value, UUID) else value
        for name, value in fields.items()
        if name not in _ENVELOPE | _ACTOR
    }
    return HistoryEntry(
        stream=stream,
        version=event.originator_version,
        type=type(event).__name__,
        at=event.timestamp,
        actor_subject=str(fields.get("actor_subject", "")),
        actor_role=str(fields.get("actor_role", "")),
        data=data,
    )
