"""The case list in PostgreSQL: one row per case, indexed for every list filter and sort."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import NoneType, UnionType
from typing import Any, get_args, get_type_hints
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from casetrail.cases.projections.case_fold import CaseFold, rows_needed
from casetrail.cases.projections.rows import CASE_COLUMNS, CaseRow
from casetrail.cases.queries import CASE_LIST
from casetrail.platform.subscriptions.view import BatchedView

# Full-text search configuration: English stemming over subject (weighted A) and
# description (weighted B).
SEARCH_CONFIG = "english"

# Each field of a row is a column of the SQL type of its Python type; None makes it nullable.
_SQL_TYPES: dict[object, str] = {
    str: "text",
    int: "integer",
    datetime: "timestamptz",
    UUID: "uuid",
    list[str]: "text[]",
}


def _column_type(hint: object) -> str:
    kinds = get_args(hint) if isinstance(hint, UnionType) else (hint,)
    nullable = NoneType in kinds
    (kind,) = (kind for kind in kinds if kind is not NoneType)
    return _SQL_TYPES[kind] + ("" if nullable else " NOT NULL")


_COLUMN_TYPES = {name: _column_type(hint) for name, hint in get_type_hints(CaseRow).items()}
_COLUMN_TYPES["id"] = "uuid PRIMARY KEY"

# Written columns: the row's fields plus the priority rank that "priority, then age" sorts on.
WRITTEN_COLUMNS = (*CASE_COLUMNS, "priority_rank")

# (name, columns, condition) of each index; each list filter or sort has one to use.
_INDEXES: tuple[tuple[str, str, str], ...] = (
    ("created", "created_at, id", ""),
    ("updated", "updated_at, id", ""),
    ("priority", "priority_rank, created_at, id", ""),
    ("status", "status, created_at, id", ""),
    ("customer", "customer_id, created_at, id", ""),
    ("assignee", "assignee_id, created_at, id", ""),
    ("department", "department_id, created_at, id", ""),
    ("unassigned", "created_at, id", "WHERE assignee_id IS NULL"),
    ("case_number", "case_number", ""),
)


class CaseListView(BatchedView):
    projection_name = CASE_LIST

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.table = self.qualified(self.table_prefix)
        self._incoming = Identifier(f"incoming_{self.table_prefix}")
        self._select_rows = SQL(
            "SELECT {columns} FROM {table} WHERE id = ANY(%s) OR conversation_id = ANY(%s)"
        ).format(columns=_names(CASE_COLUMNS), table=self.table)
        self._upsert = SQL(
            "INSERT INTO {table} ({columns}) SELECT {columns} FROM {incoming}"
            " ON CONFLICT (id) DO UPDATE SET {updates}"
        ).format(
            table=self.table,
            columns=_names(WRITTEN_COLUMNS),
            incoming=self._incoming,
            updates=SQL(", ").join(
                SQL("{0} = EXCLUDED.{0}").format(Identifier(column))
                for column in WRITTEN_COLUMNS
                if column != "id"
            ),
        )

    def create_statements(self) -> list[Composed]:
        table = self.qualified(self.table_prefix)
        columns = SQL(", ").join(
            SQL("{} {}").format(Identifier(name), SQL(kind)) for name, kind in _COLUMN_TYPES.items()
        )
        search = SQL(
            "search tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector({config}::regconfig, subject), 'A') || "
            "setweight(to_tsvector({config}::regconfig, description), 'B')) STORED"
        ).format(config=SEARCH_CONFIG)
        statements: list[Composed] = [
            SQL("CREATE TABLE IF NOT EXISTS {} ({}, priority_rank smallint NOT NULL, {})").format(
                table, columns, search
            ),
            # Tables made before cases could be archived gain the column (no case was).
            SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS archived_at timestamptz").format(table),
            SQL("CREATE UNIQUE INDEX IF NOT EXISTS {} ON {} (conversation_id)").format(
                Identifier(f"{self.table_prefix}_conversation"), table
            ),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin (tags)").format(
                Identifier(f"{self.table_prefix}_tags"), table
            ),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin (search)").format(
                Identifier(f"{self.table_prefix}_search"), table
            ),
            # Tables made before cases had a department: none of their rows has one yet.
            SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS department_id text").format(table),
        ]
        statements += [
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({}) {}").format(
                Identifier(f"{self.table_prefix}_{name}"), table, SQL(columns), SQL(condition)
            )
            for name, columns, condition in _INDEXES
        ]
        return statements

    def public_views(self) -> Mapping[str, Composed]:
        return {"case_list": self.qualified(self.table_prefix)}

    def delete_stream_rows(self, curs: Cursor[DictRow], stream_ids: Sequence[UUID]) -> None:
        """Delete the rows these streams' events made (a case's row, by case or thread)."""
        curs.execute(
            SQL("DELETE FROM {} WHERE id = ANY(%s) OR conversation_id = ANY(%s)").format(
                self.table
            ),
            (list(stream_ids), list(stream_ids)),
        )

    def write(self, curs: Cursor[DictRow], events: Sequence[Any]) -> None:
        case_ids, conversation_ids = rows_needed(events)
        loaded: list[CaseRow] = []
        if case_ids or conversation_ids:
            curs.execute(self._select_rows, (list(case_ids), list(conversation_ids)), prepare=True)
            loaded = [CaseRow(**row) for row in curs.fetchall()]
        fold = CaseFold(loaded)
        fold.apply_all(events)
        changed = fold.changed_rows()
        if not changed:
            return
        # Rows go through a temporary table so that each batch is one COPY and one upsert.
        curs.execute(
            SQL(
                "CREATE TEMP TABLE IF NOT EXISTS {} "
                "(LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            ).format(self._incoming, self.table)
        )
        copy_statement = SQL("COPY {} ({}) FROM STDIN").format(
            self._incoming, _names(WRITTEN_COLUMNS)
        )
        with curs.copy(copy_statement) as copy:
            for row in changed:
                copy.write_row((*(getattr(row, name) for name in CASE_COLUMNS), row.priority_rank))
        curs.execute(self._upsert)


def _names(columns: Sequence[str]) -> Composed:
    return SQL(", ").join(Identifier(column) for column in columns)
