"""What other contexts may use of agents: the aggregates whose event classes are the
published domain events, the directory's query port, each agent's capacity, and the public
messages (and their source for the relay). Everything
else in ``casetrail.agents`` is private to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, AggregateEvent

from casetrail.agents.domain.agent import Agent
from casetrail.agents.domain.department import Department
from casetrail.agents.domain.values import Presence, Seniority, agent_stream_id
from casetrail.agents.outbound.messages import MESSAGE_TYPES as MESSAGE_TYPES
from casetrail.agents.outbound.messages import PUBLISHED_TOPICS as PUBLISHED_TOPICS
from casetrail.agents.outbound.messages import DirectoryEvents
from casetrail.agents.projections.rows import AgentRow, DepartmentRow
from casetrail.agents.queries import AGENT_DIRECTORY, DirectoryReader


def capacity_of(reader: DirectoryReader) -> Callable[[str], int | None]:
    """An agent's capacity as the directory has it (None for an agent it does not know)."""

    def capacity(agent_id: str) -> int | None:
        row = reader.agent_row(agent_id)
        return row.capacity if row is not None else None

    return capacity


def directory_events(store: Application[UUID]) -> DirectoryEvents:
    """The relay's source of ``support.agent.*`` and ``support.department.*``."""

    def record_at(event: AggregateEvent) -> Aggregate:
        record: Any = store.repository.get(event.originator_id, version=event.originator_version)
        return cast("Aggregate", record)

    return DirectoryEvents(record_at)


__all__ = [
    "AGENT_DIRECTORY",
    "MESSAGE_TYPES",
    "PUBLISHED_TOPICS",
    "Agent",
    "AgentRow",
    "Department",
    "DepartmentRow",
    "DirectoryReader",
    "Presence",
    "Seniority",
    "agent_stream_id",
    "capacity_of",
    "directory_events",
]
