"""The queries, answered from the PostgreSQL read models through their stable views."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composed, Identifier

from casetrail.cases.domain.conversation import conversation_id_for_case
from casetrail.cases.domain.lifecycle import ACTIVE_STATUSES
from casetrail.cases.domain.priority import priority_rank
from casetrail.cases.projections.case_list_view import SEARCH_CONFIG
from casetrail.cases.projections.rows import CASE_COLUMNS, MESSAGE_COLUMNS, CaseRow, MessageRow
from casetrail.cases.queries import (
    NO_DUE_TIME,
    AgentWorkload,
    CaseDueTimes,
    CaseFilter,
    CasePage,
    CaseQuery,
    CaseSort,
    sort_key,
)
from casetrail.platform.subscriptions.positions import PositionBoard
from casetrail.platform.subscriptions.versions import POSITIONS_VIEW

_CASES = Identifier("case_list")
_MESSAGES = Identifier("case_messages")
_CASE_COLUMNS = SQL(", ").join(Identifier(column) for column in CASE_COLUMNS)
_MESSAGE_COLUMNS = SQL(", ").join(Identifier(column) for column in MESSAGE_COLUMNS)

# Sort -> (key columns, descending). Every key ends with the id, so keys are unique.
_ORDER: dict[CaseSort, tuple[tuple[str, ...], bool]] = {
    CaseSort.NEWEST: (("created_at", "id"), True),
    CaseSort.OLDEST: (("created_at", "id"), False),
    CaseSort.RECENTLY_UPDATED: (("updated_at", "id"), True),
    CaseSort.LEAST_RECENTLY_UPDATED: (("updated_at", "id"), False),
    CaseSort.PRIORITY_THEN_AGE: (("priority_rank", "created_at", "id"), False),
}
_DUE = Identifier("due_time")

# Read-your-writes polling: first look again soon, then less often.
_FIRST_POLL_SECONDS = 0.002
_MAX_POLL_SECONDS = 0.05


class PostgresReadModel:
    def __init__(
        self,
        datastore: PostgresDatastore,
        board: PositionBoard | None = None,
        due_times: CaseDueTimes | None = None,
    ) -> None:
        self._datastore = datastore
        self._board = board
        self._due_times = due_times

    def close(self) -> None:
        self._datastore.close()

    def positions(self) -> dict[str, int]:
        rows = self._fetch(
            SQL("SELECT projection, notification_id FROM {}").format(Identifier(POSITIONS_VIEW)),
            (),
        )
        return {row["projection"]: int(row["notification_id"] or 0) for row in rows}

    def wait_for(self, position: int, projections: Sequence[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        interval = _FIRST_POLL_SECONDS
        while True:
            # The database has the last word: a runner in this process may still be writing
            # a version that a rebuild has just switched away from.
            reached = self.positions()
            if all(reached.get(name, 0) >= position for name in projections):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            pause = min(interval, remaining)
            if self._board is not None:
                # Runners in this process wake us the moment they commit.
                self._board.wait(projections[0], position, pause)
            else:
                time.sleep(pause)
            interval = min(interval * 2, _MAX_POLL_SECONDS)

    def get_case(self, case_id: UUID) -> CaseRow | None:
        rows = self._fetch(
            SQL("SELECT {} FROM {} WHERE id = %s").format(_CASE_COLUMNS, _CASES), (case_id,)
        )
        return CaseRow(**rows[0]) if rows else None

    def case_id_for_number(self, case_number: str) -> UUID | None:
        rows = self._fetch(
            SQL("SELECT id FROM {} WHERE case_number = %s").format(_CASES), (case_number,)
        )
        return UUID(str(rows[0]["id"])) if rows else None

    def list_cases(self, query: CaseQuery) -> CasePage:
        if query.sort is CaseSort.DUE_SOONEST:
            return self._list_by_due_time(query)
        conditions, params = _conditions(query.filter)
        key_columns, descending = _ORDER[query.sort]
        if query.after is not None:
            conditions.append(
                SQL("({}) {} ({})").format(
                    SQL(", ").join(Identifier(column) for column in key_columns),
                    SQL("<" if descending else ">"),
                    SQL(", ").join(SQL("%s") for _ in key_columns),
                )
            )
            params.extend(query.after)
        direction = SQL(" DESC" if descending else "")
        statement = SQL("SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT %s").format(
            _CASE_COLUMNS,
            _CASES,
            SQL(" AND ").join(conditions) if conditions else SQL("true"),
            SQL(", ").join(Identifier(column) + direction for column in key_columns),
        )
        params.append(query.limit + 1)
        rows = [CaseRow(**row) for row in self._fetch(statement, params)]
        page = rows[: query.limit]
        more = len(rows) > query.limit
        return CasePage(
            rows=page,
            next_key=sort_key(page[-1], query.sort) if more else None,
            due=self._due_of([row.id for row in page]),
        )

    def _list_by_due_time(self, query: CaseQuery) -> CasePage:
        """Soonest due time first (none last), then id; due times joined from the relation
        the wiring named (without one, every case has none)."""
        conditions, params = _conditions(query.filter)
        due_key = SQL("COALESCE({}.due_at, %s)").format(_DUE)
        if query.after is not None:
            conditions.append(SQL("({}, {}.id) > (%s, %s)").format(due_key, _CASES))
            params.extend([NO_DUE_TIME, *query.after])
        joined = (
            SQL("LEFT JOIN {} AS {} ON {}.case_id = {}.id").format(
                Identifier(self._due_times.relation), _DUE, _DUE, _CASES
            )
            if self._due_times is not None
            else SQL(
                "LEFT JOIN (SELECT NULL::uuid AS case_id, NULL::timestamptz AS due_at) {} ON false"
            ).format(_DUE)
        )
        statement = SQL(
            "SELECT {columns}, {due}.due_at AS due_time_of_row FROM {cases} {joined}"
            " WHERE {conditions} ORDER BY {key}, {cases}.id LIMIT %s"
        ).format(
            columns=SQL(", ").join(
                SQL("{}.{}").format(_CASES, Identifier(column)) for column in CASE_COLUMNS
            ),
            due=_DUE,
            cases=_CASES,
            joined=joined,
            conditions=SQL(" AND ").join(conditions) if conditions else SQL("true"),
            key=due_key,
        )
        params = [*params, NO_DUE_TIME, query.limit + 1]
        found = self._fetch(statement, params)
        due = {row["id"]: row["due_time_of_row"] for row in found if row["due_time_of_row"]}
        rows = [
            CaseRow(**{k: v for k, v in row.items() if k != "due_time_of_row"}) for row in found
        ]
        page = rows[: query.limit]
        more = len(rows) > query.limit
        return CasePage(
            rows=page,
            next_key=sort_key(page[-1], query.sort, due.get(page[-1].id)) if more else None,
            due={row.id: due[row.id] for row in page if row.id in due},
        )

    def _due_of(self, case_ids: list[UUID]) -> dict[UUID, datetime]:
        if self._due_times is None or not case_ids:
            return {}
        rows = self._fetch(
            SQL("SELECT case_id, due_at FROM {} WHERE case_id = ANY(%s)").format(
                Identifier(self._due_times.relation)
            ),
            (case_ids,),
        )
        return {row["case_id"]: row["due_at"] for row in rows if row["due_at"] is not None}

    def agent_workload(self, agent_id: str, assigned_since: datetime) -> AgentWorkload:
        active = [status.value for status in ACTIVE_STATUSES]
        counts = self._fetch(
            SQL(
                "SELECT status, priority, count(*) AS cases FROM {} WHERE assignee_id = %s"
                " AND status = ANY(%s) AND archived_at IS NULL GROUP BY status, priority"
            ).format(_CASES),
            (agent_id, active),
        )
        oldest = self._fetch(
            SQL(
                "SELECT {} FROM {} WHERE assignee_id = %s AND status = ANY(%s)"
                " AND archived_at IS NULL AND waiting_since IS NOT NULL"
                " ORDER BY waiting_since, id LIMIT 1"
            ).format(_CASE_COLUMNS, _CASES),
            (agent_id, active),
        )
        assigned = self._fetch(
            SQL(
                "SELECT count(*) AS cases FROM {} WHERE assignee_id = %s AND assigned_at >= %s"
            ).format(_CASES),
            (agent_id, assigned_since),
        )
        return AgentWorkload(
            agent_id=agent_id,
            counts={(row["status"], row["priority"]): int(row["cases"]) for row in counts},
            oldest_waiting=CaseRow(**oldest[0]) if oldest else None,
            assigned_since=int(assigned[0]["cases"]),
        )

    def messages(self, case_id: UUID, after_position: int, limit: int) -> list[MessageRow]:
        rows = self._fetch(
            SQL(
                "SELECT {} FROM {} WHERE conversation_id = %s AND position > %s"
                " ORDER BY position LIMIT %s"
            ).format(_MESSAGE_COLUMNS, _MESSAGES),
            (conversation_id_for_case(case_id), after_position, limit),
        )
        return [MessageRow(**row) for row in rows]

    def _fetch(self, statement: Composed, params: Sequence[Any]) -> list[dict[str, Any]]:
        with self._datastore.get_connection() as conn:
            return list(conn.execute(statement, params, prepare=True).fetchall())


def _conditions(wanted: CaseFilter) -> tuple[list[Composed], list[Any]]:
    conditions: list[Composed] = []
    params: list[Any] = []

    def add(condition: str, *values: Any) -> None:
        conditions.append(Composed([SQL(condition)]))
        params.extend(values)

    if wanted.statuses:
        add("status = ANY(%s)", list(wanted.statuses))
    if wanted.priorities:
        add("priority_rank = ANY(%s)", [priority_rank(name) for name in wanted.priorities])
    if wanted.channels:
        add("channel = ANY(%s)", list(wanted.channels))
    if wanted.customer_id is not None:
        add("customer_id = %s", wanted.customer_id)
    if wanted.customer_ids:
        add("customer_id = ANY(%s)", list(wanted.customer_ids))
    if not wanted.include_archived:
        add("archived_at IS NULL")
    if wanted.assignee_id is not None:
        add("assignee_id = %s", wanted.assignee_id)
    if wanted.unassigned:
        add("assignee_id IS NULL")
    if wanted.department_id is not None:
        add("department_id = %s", wanted.department_id)
    if wanted.visible_to_agent is not None:
        add("(assignee_id = %s OR assignee_id IS NULL)", wanted.visible_to_agent)
    if wanted.tags:
        add("tags @> %s::text[]", list(wanted.tags))
    for column, after, before in (
        ("created_at", wanted.created_after, wanted.created_before),
        ("updated_at", wanted.updated_after, wanted.updated_before),
    ):
        if after is not None:
            add(f"{column} >= %s", after)
        if before is not None:
            add(f"{column} < %s", before)
    if wanted.case_number is not None:
        add("case_number = %s", wanted.case_number)
    if wanted.text:
        add(f"search @@ websearch_to_tsquery('{SEARCH_CONFIG}', %s)", wanted.text)
    return conditions, params
