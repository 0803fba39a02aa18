"""Show the timeline view of one database inside another, for Trino's catalog.

Trino's ``support`` catalog reads one PostgreSQL database. When casetrail's data lives in a
different database on the same server (an isolated test or benchmark database, a reporting
database beside the primary), this puts ``<schema>.vw_support_case_timeline`` into the
catalog's database as a foreign table (postgres_fdw) over the real view, and the timeline
reader is pointed at that schema (``CASETRAIL_TIMELINE_TRINO_SCHEMA``). Filters, ordering and
limits are sent on to the source database.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql

from casetrail.timeline.view import TIMELINE_VIEW


def expose_timeline(
    catalog_database_url: str,
    schema: str,
    source_database_url: str,
    relations: Sequence[str] = (TIMELINE_VIEW,),
) -> None:
    """Create ``schema`` in the catalog's database with the source's view (and any other
    ``relations`` of its ``public`` schema) in it. Run as a superuser of the server, or a
    role allowed to use postgres_fdw."""
    source = urlsplit(source_database_url)
    server = sql.Identifier(_server_name(schema))
    with psycopg.connect(catalog_database_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgres_fdw")
        conn.execute(
            sql.SQL(
                "CREATE SERVER IF NOT EXISTS {} FOREIGN DATA WRAPPER postgres_fdw"
                " OPTIONS (host {}, port {}, dbname {})"
            ).format(
                server,
                sql.Literal(source.hostname or "127.0.0.1"),
                sql.Literal(str(source.port or 5432)),
                sql.Literal(source.path.lstrip("/")),
            )
        )
        options = [sql.SQL("user {}").format(sql.Literal(unquote(source.username or "postgres")))]
        if source.password:
            options.append(sql.SQL("password {}").format(sql.Literal(unquote(source.password))))
        conn.execute(
            sql.SQL(
                "CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER {} OPTIONS ({})"
            ).format(server, sql.SQL(", ").join(options))
        )
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        # Imported afresh each time, so they follow the current columns.
        for relation in relations:
            conn.execute(
                sql.SQL("DROP FOREIGN TABLE IF EXISTS {}.{}").format(
                    sql.Identifier(schema), sql.Identifier(relation)
                )
            )
        conn.execute(
            sql.SQL("IMPORT FOREIGN SCHEMA public LIMIT TO ({}) FROM SERVER {} INTO {}").format(
                sql.SQL(", ").join(map(sql.Identifier, relations)), server, sql.Identifier(schema)
            )
        )


def remove_timeline(catalog_database_url: str, schema: str) -> None:
    with psycopg.connect(catalog_database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        conn.execute(
            sql.SQL("DROP SERVER IF EXISTS {} CASCADE").format(sql.Identifier(_server_name(schema)))
        )


def _server_name(schema: str) -> str:
    return f"{schema}_source"
