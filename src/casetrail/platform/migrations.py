"""Schema migrations: numbered steps per component, applied once, in order, at start-up.

Every process that needs a component's tables calls :func:`migrate` when it starts; the
first one applies what is missing and records it, the others find it done. An advisory lock
makes concurrent starts (several consumers, the API) take turns instead of racing on
``CREATE TABLE``. Steps are additive: a released step is never edited, a change is a new
step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import tuple_row

MIGRATIONS_TABLE = "casetrail_schema_migrations"
# Arbitrary but fixed: the first key of the two-key advisory lock all migrations take.
MIGRATION_LOCK_CLASS = 0x0CA5E


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


def migrate(
    conn: psycopg.Connection[Any], component: str, migrations: Sequence[Migration]
) -> list[int]:
    """Apply the component's missing steps in one transaction; return the versions applied."""
    versions = [migration.version for migration in migrations]
    if versions != sorted(set(versions)):
        raise ValueError(f"{component} migrations must have increasing, distinct versions")
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s::integer, hashtext(%s))",
            (MIGRATION_LOCK_CLASS, component),
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} ("
            " component text NOT NULL,"
            " version integer NOT NULL,"
            " description text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now(),"
            " PRIMARY KEY (component, version))"
        )
        cursor.execute(f"SELECT version FROM {MIGRATIONS_TABLE} WHERE component = %s", (component,))
        done = {row[0] for row in cursor.fetchall()}
        applied = []
        for migration in migrations:
            if migration.version in done:
                continue
            for statement in migration.statements:
                cursor.execute(statement.encode())
            cursor.execute(
                f"INSERT INTO {MIGRATIONS_TABLE} (component, version, description)"
                " VALUES (%s, %s, %s)",
                (component, migration.version, migration.description),
            )
            applied.append(migration.version)
    return applied
