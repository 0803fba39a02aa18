"""The directory in PostgreSQL: one row per agent and one per department."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from casetrail.agents.projections.directory_fold import DirectoryFold, streams_needed
from casetrail.agents.projections.rows import (
    AGENT_COLUMNS,
    DEPARTMENT_COLUMNS,
    AgentRow,
    DepartmentRow,
)
from casetrail.agents.queries import AGENT_DIRECTORY, AGENTS_TABLE, DEPARTMENTS_TABLE
from casetrail.platform.subscriptions.view import BatchedView

_AGENT_TABLE = """
    stream_id uuid PRIMARY KEY, agent_id text NOT NULL UNIQUE, name text NOT NULL,
    email text NOT NULL, roles text[] NOT NULL, department_ids text[] NOT NULL,
    skills text[] NOT NULL, capacity integer NOT NULL, seniority text NOT NULL,
    status text NOT NULL, presence_expires_at timestamptz, status_changed_at timestamptz,
    registered_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
    version integer NOT NULL"""
_DEPARTMENT_TABLE = """
    id uuid PRIMARY KEY, name text NOT NULL, description text NOT NULL,
    created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, version integer NOT NULL"""


def _names(columns: Sequence[str]) -> Composed:
    return SQL(", ").join(Identifier(column) for column in columns)


def _upsert(table: Composed, columns: Sequence[str], key: str) -> Composed:
    return SQL(
        "INSERT INTO {table} ({columns}) VALUES ({values})"
        " ON CONFLICT ({key}) DO UPDATE SET {updates}"
    ).format(
        table=table,
        columns=_names(columns),
        values=SQL(", ").join(SQL("%s") for _ in columns),
        key=Identifier(key),
        updates=SQL(", ").join(
            SQL("{0} = EXCLUDED.{0}").format(Identifier(column))
            for column in columns
            if column != key
        ),
    )


class DirectoryView(BatchedView):
    projection_name = AGENT_DIRECTORY

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agents = self.qualified(f"{self.table_prefix}_agents")
        self.departments = self.qualified(f"{self.table_prefix}_departments")

    def create_statements(self) -> list[Composed]:
        agents = self.qualified(f"{self.table_prefix}_agents")
        departments = self.qualified(f"{self.table_prefix}_departments")
        return [
            SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(agents, SQL(_AGENT_TABLE)),
            SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(departments, SQL(_DEPARTMENT_TABLE)),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin (department_ids)").format(
                Identifier(f"{self.table_prefix}_agents_departments"), agents
            ),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin (skills)").format(
                Identifier(f"{self.table_prefix}_agents_skills"), agents
            ),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (name, id)").format(
                Identifier(f"{self.table_prefix}_departments_name"), departments
            ),
        ]

    def public_views(self) -> Mapping[str, Composed]:
        return {
            AGENTS_TABLE: self.qualified(f"{self.table_prefix}_agents"),
            DEPARTMENTS_TABLE: self.qualified(f"{self.table_prefix}_departments"),
        }

    def delete_stream_rows(self, curs: Cursor[DictRow], stream_ids: Sequence[UUID]) -> None:
        curs.execute(
            SQL("DELETE FROM {} WHERE stream_id = ANY(%s)").format(self.agents),
            (list(stream_ids),),
        )
        curs.execute(
            SQL("DELETE FROM {} WHERE id = ANY(%s)").format(self.departments),
            (list(stream_ids),),
        )

    def write(self, curs: Cursor[DictRow], events: Sequence[Any]) -> None:
        needed = list(streams_needed(events))
        agents: list[AgentRow] = []
        departments: list[DepartmentRow] = []
        if needed:
            curs.execute(
                SQL("SELECT {} FROM {} WHERE stream_id = ANY(%s)").format(
                    _names(AGENT_COLUMNS), self.agents
                ),
                (needed,),
            )
            agents = [AgentRow(**row) for row in curs.fetchall()]
            curs.execute(
                SQL("SELECT {} FROM {} WHERE id = ANY(%s)").format(
                    _names(DEPARTMENT_COLUMNS), self.departments
                ),
                (needed,),
            )
            departments = [DepartmentRow(**row) for row in curs.fetchall()]
        fold = DirectoryFold(agents, departments)
        fold.apply_all(events)
        if fold.changed_agents:
            curs.executemany(
                _upsert(self.agents, AGENT_COLUMNS, "stream_id"),
                [
                    tuple(getattr(fold.agents[stream], column) for column in AGENT_COLUMNS)
                    for stream in fold.changed_agents
                ],
            )
        if fold.changed_departments:
            curs.executemany(
                _upsert(self.departments, DEPARTMENT_COLUMNS, "id"),
                [
                    tuple(
                        getattr(fold.departments[stream], column) for column in DEPARTMENT_COLUMNS
                    )
                    for stream in fold.changed_departments
                ],
            )
