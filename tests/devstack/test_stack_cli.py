"""`casetrail stack` as a user runs it, on a throwaway stack directory and ports of its own,
so the session's shared stack is never touched."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from casetrail.cli.main import main
from casetrail.devstack import ENGINE_NAMES

pytestmark = pytest.mark.stack

PORT_SETTINGS = (
    "POSTGRES_PORT",
    "KAFKA_PORT",
    "KAFKA_CONTROLLER_PORT",
    "CONNECT_PORT",
    "TRINO_PORT",
    "REDIS_PORT",
)


def _unused_port() -> int:
    """A port below the kernel's ephemeral range: an ephemeral port picked for a server can be
    taken by one of the shared stack's outgoing connections before the server binds it."""
    while True:
        port = random.randrange(20_000, 32_000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


@pytest.fixture
def throwaway(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a stack of its own: directory and ports nobody else uses."""
    environment = {"CASETRAIL_STACK_DIR": str(tmp_path / "stack")}
    environment |= {f"CASETRAIL_STACK_{name}": str(_unused_port()) for name in PORT_SETTINGS}
    yield environment
    _stack(environment, "down")


@dataclass(frozen=True)
class Run:
    exit_code: int
    output: str


def _stack(environment: dict[str, str], *arguments: str) -> Run:
    """`casetrail stack …` in a process of its own, as a user runs it: the engines it starts
    are its children, never the test session's (whose other threads and children could
    otherwise reap or signal them)."""
    done = subprocess.run(
        [sys.executable, "-m", "casetrail", "stack", *arguments],
        env={**os.environ, **environment},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
        check=False,
    )
    return Run(done.returncode, done.stdout)


def _states(status_output: str) -> dict[str, str]:
    states = {}
    for line in status_output.splitlines():
        words = line.split()
        if words and words[0] in ENGINE_NAMES:
            states[words[0]] = words[1]
    return states


def test_up_then_down_leaves_every_engine_down(throwaway: dict[str, str]) -> None:
    started = _stack(throwaway, "up", "--only", "redis")
    if started.exit_code != 0 and "exited during start-up" in started.output:
        # The port picked as unused can be taken by the time redis binds it, on a machine
        # where the rest of the suite opens connections all the while: pick another once.
        throwaway |= {f"CASETRAIL_STACK_{name}": str(_unused_port()) for name in PORT_SETTINGS}
        started = _stack(throwaway, "up", "--only", "redis")
    assert started.exit_code == 0, started.output
    assert _states(_stack(throwaway, "status").output)["redis"] == "up"

    stopped = _stack(throwaway, "down")
    assert stopped.exit_code == 0, stopped.output
    assert "redis" in stopped.output

    status = _stack(throwaway, "status")
    assert status.exit_code == 0
    assert _states(status.output) == dict.fromkeys(ENGINE_NAMES, "down")
    # down keeps the data unless asked to purge it
    assert (Path(throwaway["CASETRAIL_STACK_DIR"]) / "redis" / "redis.conf").exists()


def test_down_purge_deletes_the_data(throwaway: dict[str, str]) -> None:
    assert _stack(throwaway, "up", "--only", "redis").exit_code == 0
    assert _stack(throwaway, "down", "--purge").exit_code == 0
    assert not (Path(throwaway["CASETRAIL_STACK_DIR"]) / "redis").exists()


def test_up_on_a_taken_port_is_one_clear_line(throwaway: dict[str, str]) -> None:
    port = int(throwaway["CASETRAIL_STACK_REDIS_PORT"])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        result = _stack(throwaway, "up", "--only", "redis")
    assert result.exit_code == 1
    assert f"port 127.0.0.1:{port} is already in use" in result.output
    assert "Traceback" not in result.output
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1


def test_up_refuses_an_unknown_engine(throwaway: dict[str, str]) -> None:
    result = _stack(throwaway, "up", "--only", "kafka,elasticsearch")
    assert result.exit_code == 2
    assert "unknown engine elasticsearch" in result.output


def test_status_says_what_is_missing_and_how_to_get_it(
    throwaway: dict[str, str], tmp_path: Path
) -> None:
    empty_cache = {**throwaway, "CASETRAIL_STACK_CACHE_DIR": str(tmp_path / "empty-cache")}
    result = _stack(empty_cache, "status")
    assert result.exit_code == 0
    assert "missing: Kafka jars not downloaded yet" in result.output
    assert "Trino server not downloaded yet" in result.output
    assert "`casetrail stack up` downloads" in result.output


def test_env_points_casetrail_at_the_stack(throwaway: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["stack", "env"], env=throwaway)
    assert result.exit_code == 0
    exports = dict(
        line.removeprefix("export ").split("=", 1)
        for line in result.stdout.splitlines()
        if line.startswith("export ")
    )
    assert exports["CASETRAIL_KAFKA_BOOTSTRAP_SERVERS"] == (
        f"127.0.0.1:{throwaway['CASETRAIL_STACK_KAFKA_PORT']}"
    )
    assert exports["CASETRAIL_DATABASE_URL"].endswith(
        f"@127.0.0.1:{throwaway['CASETRAIL_STACK_POSTGRES_PORT']}/casetrail"
    )
    assert (
        exports["CASETRAIL_REDIS_URL"]
        == f"redis://127.0.0.1:{throwaway['CASETRAIL_STACK_REDIS_PORT']}/0"
    )
    assert (
        exports["CASETRAIL_TRINO_URL"]
        == f"http://127.0.0.1:{throwaway['CASETRAIL_STACK_TRINO_PORT']}"
    )
    assert exports["CASETRAIL_KAFKA_CONNECT_URL"] == (
        f"http://127.0.0.1:{throwaway['CASETRAIL_STACK_CONNECT_PORT']}"
    )


def test_up_without_java_is_one_clear_line(throwaway: dict[str, str], tmp_path: Path) -> None:
    no_java = {**throwaway, "CASETRAIL_STACK_JAVA": str(tmp_path / "no-such-java")}
    result = _stack(no_java, "up", "--only", "kafka")
    assert result.exit_code == 1
    assert "Java 17 or newer is needed for Kafka and Kafka Connect" in result.output
    assert "Traceback" not in result.output
    assert _states(_stack(no_java, "status").output)["kafka"] == "down"
