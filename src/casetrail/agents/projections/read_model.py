"""The directory's queries, answered from its PostgreSQL read model's stable views."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composed, Identifier

from casetrail.agents.projections.rows import (
    AGENT_COLUMNS,
    DEPARTMENT_COLUMNS,
    AgentRow,
    DepartmentRow,
)
from casetrail.agents.queries import (
    AGENTS_TABLE,
    DEPARTMENTS_TABLE,
    AgentFilter,
    AgentPage,
    DepartmentPage,
)

_AGENTS = Identifier(AGENTS_TABLE)
_DEPARTMENTS = Identifier(DEPARTMENTS_TABLE)
_AGENT_COLUMNS = SQL(", ").join(Identifier(column) for column in AGENT_COLUMNS)
_DEPARTMENT_COLUMNS = SQL(", ").join(Identifier(column) for column in DEPARTMENT_COLUMNS)


class PostgresDirectory:
    def __init__(self, datastore: PostgresDatastore) -> None:
        self._datastore = datastore

    def close(self) -> None:
        self._datastore.close()

    def list_agents(self, wanted: AgentFilter, limit: int, after: str | None) -> AgentPage:
        conditions: list[str] = []
        params: list[Any] = []
        if wanted.department_id is not None:
            conditions.append("department_ids @> ARRAY[%s]::text[]")
            params.append(wanted.department_id)
        if wanted.skill is not None:
            conditions.append("skills @> ARRAY[%s]::text[]")
            params.append(wanted.skill)
        if wanted.statuses:
            conditions.append("status = ANY(%s)")
            params.append(list(wanted.statuses))
        if after is not None:
            conditions.append("agent_id > %s")
            params.append(after)
        statement = SQL("SELECT {} FROM {} WHERE {} ORDER BY agent_id LIMIT %s").format(
            _AGENT_COLUMNS, _AGENTS, SQL(" AND ".join(conditions) or "true")
        )
        rows = [AgentRow(**row) for row in self._fetch(statement, [*params, limit + 1])]
        page = rows[:limit]
        return AgentPage(page, page[-1].agent_id if len(rows) > limit else None)

    def agent_row(self, agent_id: str) -> AgentRow | None:
        rows = self._fetch(
            SQL("SELECT {} FROM {} WHERE agent_id = %s").format(_AGENT_COLUMNS, _AGENTS),
            (agent_id,),
        )
        return AgentRow(**rows[0]) if rows else None

    def list_departments(self, limit: int, after: tuple[str, str] | None) -> DepartmentPage:
        condition, params = SQL("true"), []
        if after is not None:
            condition = SQL("(name, id::text) > (%s, %s)")
            params = list(after)
        statement = SQL("SELECT {} FROM {} WHERE {} ORDER BY name, id::text LIMIT %s").format(
            _DEPARTMENT_COLUMNS, _DEPARTMENTS, condition
        )
        rows = [DepartmentRow(**row) for row in self._fetch(statement, [*params, limit + 1])]
        page = rows[:limit]
        last = (page[-1].name, str(page[-1].id)) if len(rows) > limit else None
        return DepartmentPage(page, last)

    def department_row(self, department_id: UUID) -> DepartmentRow | None:
        rows = self._fetch(
            SQL("SELECT {} FROM {} WHERE id = %s").format(_DEPARTMENT_COLUMNS, _DEPARTMENTS),
            (department_id,),
        )
        return DepartmentRow(**rows[0]) if rows else None

    def _fetch(self, statement: Composed, params: Sequence[Any]) -> list[dict[str, Any]]:
        with self._datastore.get_connection() as conn:
            return list(conn.execute(statement, params).fetchall())
