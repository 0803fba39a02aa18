"""The directory's rows folded from events: one fold for the PostgreSQL view and the
in-process read model, so both answer the same."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from casetrail.agents.domain.agent import Agent
from casetrail.agents.domain.department import Department
from casetrail.agents.domain.values import Presence
from casetrail.agents.projections.rows import AgentRow, DepartmentRow

DIRECTORY_EVENTS = (Agent.Event, Department.Event)


def streams_needed(events: Iterable[Any]) -> set[UUID]:
    return {
        event.originator_id
        for event in events
        if isinstance(event, DIRECTORY_EVENTS)
        and not isinstance(event, Agent.Registered)
        and not isinstance(event, Department.Created)
    }


class DirectoryFold:
    def __init__(
        self, agents: Iterable[AgentRow] = (), departments: Iterable[DepartmentRow] = ()
    ) -> None:
        self.agents = {row.stream_id: row for row in agents}
        self.departments = {row.id: row for row in departments}
        self.changed_agents: set[UUID] = set()
        self.changed_departments: set[UUID] = set()

    def apply_all(self, events: Iterable[Any]) -> None:
        for event in events:
            if isinstance(event, Agent.Event):
                self._agent(event)
            elif isinstance(event, Department.Event):
                self._department(event)

    def _agent(self, event: Agent.Event) -> None:
        stream_id = event.originator_id
        if isinstance(event, Agent.Registered):
            row = AgentRow(
                stream_id=stream_id,
                agent_id=event.agent_id,
                name=event.name,
                email=event.email,
                roles=list(event.roles),
                department_ids=list(event.department_ids),
                skills=list(event.skills),
                capacity=event.capacity,
                seniority=event.seniority,
                status=Presence.OFFLINE.value,
                presence_expires_at=None,
                status_changed_at=None,
                registered_at=event.timestamp,
                updated_at=event.timestamp,
                version=event.originator_version,
            )
            self.agents[stream_id] = row
        else:
            row = self.agents[stream_id]
            if isinstance(event, Agent.ProfileChanged):
                for name, value in event.changes.items():
                    setattr(row, name, list(value) if isinstance(value, list) else value)
            elif isinstance(event, Agent.PresenceChanged):
                row.status = event.to_status
                row.presence_expires_at = event.expires_at
                row.status_changed_at = event.timestamp
            elif isinstance(event, Agent.PresenceRenewed):
                row.presence_expires_at = event.expires_at
            elif isinstance(event, Agent.PresenceExpired):
                row.status = Presence.OFFLINE.value
                row.presence_expires_at = None
                row.status_changed_at = event.timestamp
            row.updated_at = event.timestamp
            row.version = event.originator_version
        self.changed_agents.add(stream_id)

    def _department(self, event: Department.Event) -> None:
        stream_id = event.originator_id
        if isinstance(event, Department.Created):
            self.departments[stream_id] = DepartmentRow(
                id=stream_id,
                name=event.name,
                description=event.description,
                created_at=event.timestamp,
                updated_at=event.timestamp,
                version=event.originator_version,
            )
        else:
            row = self.departments[stream_id]
            if isinstance(event, Department.Changed):
                for name, value in event.changes.items():
                    setattr(row, name, value)
            row.updated_at = event.timestamp
            row.version = event.originator_version
        self.changed_departments.add(stream_id)
