"""``casetrail serve --workers N``: N processes share the port, each role runs once across
them, and stopping the first stops them all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from casetrail.platform.server_process import start_server
from tests.fixtures.auth import supervisor_headers

pytestmark = pytest.mark.integration


def children_of(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(line) for line in found.stdout.split()]


def serve_processes_under(pid: int) -> list[int]:
    commands = {
        child: Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        for child in children_of(pid)
        if Path(f"/proc/{child}/cmdline").exists()
    }
    return [child for child, argv in commands.items() if b"serve" in argv]


def test_workers_share_the_port_and_stop_together(tmp_path: Path) -> None:
    server = start_server(tmp_path, extra_args=("--workers", "2"))
    try:
        siblings = serve_processes_under(server.process.pid)
        assert len(siblings) == 1, siblings
        with httpx.Client(base_url=server.base_url, headers=supervisor_headers()) as client:
            opened = [
                client.post("/support/cases", json={"customer_id": "c", "subject": f"n{n}"})
                for n in range(20)
            ]
            assert {response.status_code for response in opened} == {201}
            numbers = {response.json()["case_number"] for response in opened}
            # Two processes, one sequence: no case number is handed out twice.
            assert len(numbers) == 20
    finally:
        assert server.stop() == 0
    for sibling in siblings:
        assert (
            not Path(f"/proc/{sibling}").exists()
            or b"zombie" in Path(f"/proc/{sibling}/status").read_bytes().lower()
        )


def test_workers_must_be_a_positive_count() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "casetrail", "serve", "--workers", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "--workers" in done.stderr
