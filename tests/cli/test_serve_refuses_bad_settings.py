"""`casetrail serve` turns each setting a user can get wrong into one line and exit 1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


def serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    clean["CASETRAIL_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "casetrail", "serve", "--no-workers", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The one line on stderr, after checking that nothing else was said."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"CASETRAIL_PORT": "abc"}, "CASETRAIL_PORT: Input should be a valid integer"),
        ({"CASETRAIL_ENVIRONMENT": "staging"}, "CASETRAIL_ENVIRONMENT: Input should be"),
        ({"CASETRAIL_ENVIRONMENT": "production"}, "CASETRAIL_JWT_SECRET must be set"),
        ({"CASETRAIL_DATABASE_URL": "postgresql://u:pw@db:99999/x"}, "CASETRAIL_DATABASE_URL"),
        ({"CASETRAIL_DATABASE_URL": "mysql://u:pw@db/x"}, "CASETRAIL_DATABASE_URL"),
    ],
)
def test_an_invalid_setting_is_named(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    line = refused(serve(tmp_path, **env))
    assert "invalid settings" in line
    assert expected in line
    assert "pw@" not in line, "a database password was repeated"


def test_an_unreachable_database_is_named_with_its_cause(tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    line = refused(
        serve(tmp_path, CASETRAIL_DATABASE_URL=f"postgresql://u:secret@127.0.0.1:{port}/x")
    )
    assert f"PostgreSQL at 127.0.0.1:{port}/x" in line
    assert "Connection refused" in line
    assert "secret" not in line


def test_a_database_host_that_does_not_resolve_is_named(tmp_path: Path) -> None:
    line = refused(serve(tmp_path, CASETRAIL_DATABASE_URL="postgresql://db.casetrail.invalid/x"))
    assert "PostgreSQL at db.casetrail.invalid:5432/x" in line
    assert "resolve" in line


def test_an_unusable_data_dir_is_named(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("")
    line = refused(serve(tmp_path, CASETRAIL_DATA_DIR=str(not_a_directory / "data")))
    assert f"CASETRAIL_DATA_DIR {not_a_directory / 'data'}" in line


@pytest.mark.parametrize(
    ("port", "expected"),
    [("0", "greater than or equal to 1"), ("70000", "less than or equal to 65535")],
)
def test_a_port_out_of_range_is_refused(tmp_path: Path, port: str, expected: str) -> None:
    line = refused(serve(tmp_path, "--port", port))
    assert f"--port: Input should be {expected}" in line


def test_a_busy_port_is_reported_as_busy(tmp_path: Path, busy_port: int) -> None:
    line = refused(serve(tmp_path, "--port", str(busy_port)))
    assert f"127.0.0.1:{busy_port}" in line
    assert "already in use" in line


def test_an_address_this_machine_lacks_is_not_reported_as_a_busy_port(tmp_path: Path) -> None:
    # 192.0.2.0/24 is reserved for documentation: no machine has it.
    line = refused(serve(tmp_path, "--host", "192.0.2.1"))
    assert "192.0.2.1 is not an address of this machine" in line


def test_a_host_name_that_does_not_resolve_is_reported(tmp_path: Path) -> None:
    line = refused(serve(tmp_path, "--host", "nowhere.casetrail.invalid"))
    assert "'nowhere.casetrail.invalid' is unknown" in line
