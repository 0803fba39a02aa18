"""Trino of the local stack sees casetrail's PostgreSQL through the `support` catalog."""

from __future__ import annotations

import psycopg
import pytest

from casetrail.devstack import Stack
from casetrail.devstack.testing import PostgresSchema

pytestmark = pytest.mark.stack


def test_trino_reads_a_table_created_in_postgres(
    stack: Stack, stack_schema: PostgresSchema
) -> None:
    with psycopg.connect(stack_schema.url, autocommit=True) as conn:
        conn.execute("CREATE TABLE cases (case_id text PRIMARY KEY, status text NOT NULL)")
        conn.execute("INSERT INTO cases VALUES ('case-1', 'open'), ('case-2', 'resolved')")

    with stack.trino.connect() as trino:
        cursor = trino.cursor()
        cursor.execute(
            f"SELECT case_id, status FROM support.{stack_schema.name}.cases ORDER BY case_id"
        )
        rows = cursor.fetchall()

    assert rows == [["case-1", "open"], ["case-2", "resolved"]]
