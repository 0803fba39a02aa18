"""The customer list in PostgreSQL: one row per customer, searchable by e-mail, name and
external id. Erasure rewrites a customer's row (``delete_stream_rows`` then the events again,
now reading as erased), as it does every read model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier
from psycopg.types.json import Jsonb

from casetrail.customers.projections.customer_fold import CustomerFold, streams_needed
from casetrail.customers.projections.rows import CUSTOMER_COLUMNS, CUSTOMER_LIST, CustomerRow
from casetrail.platform.subscriptions.view import BatchedView


class CustomerListView(BatchedView):
    projection_name = CUSTOMER_LIST

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.table = self.qualified(self.table_prefix)
        columns = SQL(", ").join(Identifier(name) for name in CUSTOMER_COLUMNS)
        self._select = SQL("SELECT {} FROM {} WHERE stream_id = ANY(%s)").format(
            columns, self.table
        )
        self._upsert = SQL(
            "INSERT INTO {table} ({columns}) VALUES ({values})"
            " ON CONFLICT (customer_id) DO UPDATE SET {updates}"
        ).format(
            table=self.table,
            columns=columns,
            values=SQL(", ").join(SQL("%s") for _ in CUSTOMER_COLUMNS),
            updates=SQL(", ").join(
                SQL("{0} = EXCLUDED.{0}").format(Identifier(name))
                for name in CUSTOMER_COLUMNS
                if name != "customer_id"
            ),
        )

    def create_statements(self) -> list[Composed]:
        table = self.qualified(self.table_prefix)
        prefix = self.table_prefix
        return [
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                " customer_id text PRIMARY KEY,"
                " stream_id uuid NOT NULL UNIQUE,"
                " name text NOT NULL,"
                " email text,"
                " phone text,"
                " external_ids jsonb NOT NULL,"
                " timezone text,"
                " language text,"
                " tier text NOT NULL,"
                " status text NOT NULL,"
                " merged_into text,"
                " merged_ids text[] NOT NULL,"
                " created_at timestamptz NOT NULL,"
                " updated_at timestamptz NOT NULL,"
                " version integer NOT NULL)"
            ).format(table),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (lower(email))").format(
                Identifier(f"{prefix}_email"), table
            ),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (lower(name) text_pattern_ops)").format(
                Identifier(f"{prefix}_name"), table
            ),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin (external_ids)").format(
                Identifier(f"{prefix}_external_ids"), table
            ),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (created_at, customer_id)").format(
                Identifier(f"{prefix}_created"), table
            ),
        ]

    def public_views(self) -> Mapping[str, Composed]:
        return {CUSTOMER_LIST: self.qualified(self.table_prefix)}

    def delete_stream_rows(self, curs: Cursor[DictRow], stream_ids: Sequence[UUID]) -> None:
        curs.execute(
            SQL("DELETE FROM {} WHERE stream_id = ANY(%s)").format(self.table),
            (list(stream_ids),),
        )

    def write(self, curs: Cursor[DictRow], events: Sequence[Any]) -> None:
        needed = streams_needed(events)
        loaded: list[CustomerRow] = []
        if needed:
            curs.execute(self._select, (list(needed),))
            loaded = [CustomerRow(**row) for row in curs.fetchall()]
        fold = CustomerFold(loaded)
        fold.apply_all(events)
        rows = fold.changed_rows()
        if rows:
            curs.executemany(self._upsert, [_values(row) for row in rows])


def _values(row: CustomerRow) -> tuple[Any, ...]:
    return tuple(
        Jsonb(getattr(row, name)) if name == "external_ids" else getattr(row, name)
        for name in CUSTOMER_COLUMNS
    )
