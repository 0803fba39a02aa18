"""The README's first session, run as written against a live `casetrail serve`: what a new
user pastes must work."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from casetrail.platform.server_process import start_server

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"


def walkthrough() -> str:
    section = README.read_text().split("## A first session", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match is not None, "the README's first session has no sh block"
    return match.group(1)


def test_the_first_session_works_when_pasted(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        # As written, but against this server's port, and with this interpreter's casetrail
        # first on the PATH (the walkthrough adds the checkout's .venv/bin).
        script = walkthrough().replace("localhost:8000", server.base_url.removeprefix("http://"))
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        env = {key: value for key, value in env.items() if not key.startswith("CASETRAIL_")}
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=README.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        assert server.stop() == 0
    assert done.returncode == 0, done.stderr
    output = done.stdout
    assert "HTTP/1.1 201" in output
    assert '"status":"resolved"' in output
    assert '"status":"open"' in output  # the case as it stood before it was resolved
    assert '"type":"Resolved"' in output
    assert "Still nothing today" in output
    # The customer's view of the conversation is the last answer: no internal note in it.
    customers_view = output.rsplit('{"items":', 1)[-1]
    assert "Still nothing today" in customers_view
    assert "Carrier lost it" not in customers_view
    assert '"title"' not in output, output  # no problem document anywhere
