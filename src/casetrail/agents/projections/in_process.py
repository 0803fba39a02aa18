"""The directory folded in this process's memory from the notification log, caught up on
each query: for unit tests and demos on the in-memory event store, never for production."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from casetrail.agents.projections.directory_fold import DirectoryFold
from casetrail.agents.projections.rows import AgentRow, DepartmentRow
from casetrail.agents.queries import AgentFilter, AgentPage, DepartmentPage

_BATCH = 1_000


class InProcessDirectory:
    def __init__(self, app: Application[Any]) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._position = 0
        self._fold = DirectoryFold()

    def list_agents(self, wanted: AgentFilter, limit: int, after: str | None) -> AgentPage:
        self._catch_up()
        rows = sorted(
            (row for row in self._fold.agents.values() if _matches(row, wanted)),
            key=lambda row: row.agent_id,
        )
        if after is not None:
            rows = [row for row in rows if row.agent_id > after]
        page = rows[:limit]
        return AgentPage(page, page[-1].agent_id if len(rows) > limit else None)

    def agent_row(self, agent_id: str) -> AgentRow | None:
        self._catch_up()
        return next((row for row in self._fold.agents.values() if row.agent_id == agent_id), None)

    def list_departments(self, limit: int, after: tuple[str, str] | None) -> DepartmentPage:
        self._catch_up()
        rows = sorted(self._fold.departments.values(), key=lambda row: (row.name, str(row.id)))
        if after is not None:
            rows = [row for row in rows if (row.name, str(row.id)) > after]
        page = rows[:limit]
        last = (page[-1].name, str(page[-1].id)) if len(rows) > limit else None
        return DepartmentPage(page, last)

    def department_row(self, department_id: UUID) -> DepartmentRow | None:
        self._catch_up()
        return self._fold.departments.get(department_id)

    def _catch_up(self) -> None:
        with self._lock:
            while True:
                notifications = self._app.recorder.select_notifications(
                    start=self._position, limit=_BATCH, inclusive_of_start=False
                )
                if not notifications:
                    return
                self._fold.apply_all(
                    self._app.mapper.to_domain_event(item) for item in notifications
                )
                self._position = notifications[-1].id


def _matches(row: AgentRow, wanted: AgentFilter) -> bool:
    if wanted.department_id is not None and wanted.department_id not in row.department_ids:
        return False
    if wanted.skill is not None and wanted.skill not in row.skills:
        return False
    return not wanted.statuses or row.status in wanted.statuses
