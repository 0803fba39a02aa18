"""Versions of each projection, and which one the stable view names point at.

Queries read stable views (``case_list``, ``case_messages``, ``projection_positions``);
each points at the active version's tables. A rebuild fills a new version while the
active one keeps serving, then switches the views in one transaction (blue/green).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier, Literal

from casetrail.platform.subscriptions.catalog import tracking_table, view_class
from casetrail.platform.subscriptions.parking import create_parking_table, parking_table_exists
from casetrail.platform.subscriptions.view import BatchedView

REGISTRY = "projection_versions"
POSITIONS_VIEW = "projection_positions"
# Advisory locks of casetrail projections share this first key; the second names what.
LOCK_NAMESPACE = 7171
_SCHEMA_LOCK = 0

Connection = psycopg.Connection[DictRow]


@dataclass(frozen=True)
class VersionRecord:
    projection: str
    active: int
    building: int | None


def lock_key(projection: str, version: int) -> int:
    """The advisory lock held by the one runner writing this version of the projection."""
    return zlib.crc32(f"{projection}:v{version}".encode()) & 0x7FFF_FFFF or 1


def build_view(datastore: PostgresDatastore, projection: str, version: int) -> BatchedView:
    return view_class(projection)(
        datastore, tracking_table_name=tracking_table(projection, version)
    )


@contextmanager
def schema_changes(conn: Connection) -> Iterator[None]:
    """Schema changes of the read models take turns across processes."""
    conn.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_NAMESPACE, _SCHEMA_LOCK))
    try:
        yield
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, _SCHEMA_LOCK))


def ensure_registry(conn: Connection) -> None:
    with schema_changes(conn):
        conn.execute(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                " projection text PRIMARY KEY,"
                " active_version integer NOT NULL,"
                " building_version integer,"
                " switched_at timestamptz NOT NULL DEFAULT now())"
            ).format(Identifier(REGISTRY))
        )


def read_versions(conn: Connection) -> dict[str, VersionRecord]:
    rows = conn.execute(
        SQL("SELECT projection, active_version, building_version FROM {}").format(
            Identifier(REGISTRY)
        )
    ).fetchall()
    return {
        row["projection"]: VersionRecord(
            row["projection"], row["active_version"], row["building_version"]
        )
        for row in rows
    }


def active_version(
    conn: Connection, datastore: PostgresDatastore, projection: str, application_name: str
) -> int:
    """The version queries read; the first call creates version 1 and its views (and the
    table of parked events, which every runner reads)."""
    if not parking_table_exists(conn):
        with schema_changes(conn):
            create_parking_table(conn)
    try:
        record = read_versions(conn).get(projection)
    except psycopg.errors.UndefinedTable:
        record = None
    if record is not None:
        return record.active
    ensure_registry(conn)
    record = read_versions(conn).get(projection)
    if record is not None:
        return record.active
    with schema_changes(conn):
        record = read_versions(conn).get(projection)
        if record is not None:
            return record.active  # another process got there first
        view = create_version(datastore, projection, 1, application_name)
        with conn.transaction():
            conn.execute(
                SQL("INSERT INTO {} (projection, active_version) VALUES (%s, 1)").format(
                    Identifier(REGISTRY)
                ),
                (projection,),
            )
            _point_views(conn, view, application_name)
    return 1


def create_version(
    datastore: PostgresDatastore, projection: str, version: int, application_name: str
) -> BatchedView:
    """Create (if need be) the tables of one version, its tracking starting at zero."""
    view = build_view(datastore, projection, version)
    view.create_table()
    view.ensure_tracking(application_name)
    return view


def start_building(conn: Connection, projection: str) -> int:
    """Register a new version to build (or the unfinished one); answers its number."""
    with schema_changes(conn), conn.transaction():
        record = read_versions(conn)[projection]
        if record.building is not None:
            return record.building
        existing = existing_versions(conn, projection)
        version = max([record.active, *existing]) + 1
        conn.execute(
            SQL("UPDATE {} SET building_version = %s WHERE projection = %s").format(
                Identifier(REGISTRY)
            ),
            (version, projection),
        )
        return version


def activate(conn: Connection, view: BatchedView, version: int, application_name: str) -> int:
    """Point the stable views at ``version``; answers the version that was active."""
    with schema_changes(conn), conn.transaction():
        previous = read_versions(conn)[view.projection_name].active
        conn.execute(
            SQL(
                "UPDATE {} SET active_version = %s, building_version = NULL, switched_at = now()"
                " WHERE projection = %s"
            ).format(Identifier(REGISTRY)),
            (version, view.projection_name),
        )
        _point_views(conn, view, application_name)
    return previous


def drop_version(
    conn: Connection, datastore: PostgresDatastore, projection: str, version: int
) -> bool:
    """Drop an inactive version's tables, unless a runner still holds it. Answers if dropped."""
    key = lock_key(projection, version)
    row = conn.execute(
        "SELECT pg_try_advisory_lock(%s, %s) AS got", (LOCK_NAMESPACE, key)
    ).fetchone()
    if row is None or not row["got"]:
        return False
    try:
        with schema_changes(conn), conn.transaction():
            if read_versions(conn)[projection].active == version:
                return False
            view = build_view(datastore, projection, version)
            for table in _version_tables(conn, view.table_prefix):
                conn.execute(SQL("DROP TABLE IF EXISTS {}").format(Identifier(table)))
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, key))
    return True


def existing_versions(conn: Connection, projection: str) -> list[int]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_name LIKE %s",
        (f"{projection}_v%_tracking",),
    ).fetchall()
    versions = []
    for row in rows:
        number = row["table_name"].removeprefix(f"{projection}_v").removesuffix("_tracking")
        if number.isdigit():
            versions.append(int(number))
    return versions


def _version_tables(conn: Connection, prefix: str) -> list[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        " AND (table_name = %s OR table_name LIKE %s)",
        (prefix, prefix.replace("_", r"\_") + r"\_%"),
    ).fetchall()
    return [row["table_name"] for row in rows]


def _point_views(conn: Connection, view: BatchedView, application_name: str) -> None:
    for name, table in view.public_views().items():
        conn.execute(
            SQL("CREATE OR REPLACE VIEW {} AS SELECT * FROM {}").format(Identifier(name), table)
        )
    parts: list[Composed] = [
        SQL(
            "SELECT {name}::text AS projection, {version}::integer AS version,"
            " notification_id FROM {tracking} WHERE application_name = {app}"
        ).format(
            name=Literal(record.projection),
            version=Literal(record.active),
            tracking=Identifier(tracking_table(record.projection, record.active)),
            app=Literal(application_name),
        )
        for record in sorted(read_versions(conn).values(), key=lambda item: item.projection)
    ]
    conn.execute(
        SQL("CREATE OR REPLACE VIEW {} AS {}").format(
            Identifier(POSITIONS_VIEW), SQL(" UNION ALL ").join(parts)
        )
    )
