"""The audit trail of an agent or a department: each stored event as who did what, when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import AggregateEvent

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}
_ACTOR = {"actor_subject", "actor_role"}


@dataclass(frozen=True)
class DirectoryHistoryEntry:
    version: int
    type: str
    at: datetime
    actor_subject: str
    actor_role: str
    data: dict[str, Any]


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def history_entry(event: AggregateEvent) -> DirectoryHistoryEntry:
    fields = dict(vars(event))
    return DirectoryHistoryEntry(
        version=event.originator_version,
        type=type(event).__name__,
        at=event.timestamp,
        actor_subject=str(fields.get("actor_subject", "")),
        actor_role=str(fields.get("actor_role", "")),
        data={
            name: _plain(value) for name, value in fields.items() if name not in _ENVELOPE | _ACTOR
        },
    )
