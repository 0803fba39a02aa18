"""deploy/Dockerfile, read with buildkit's own parser (no Docker engine here to build it):
two stages, the runtime unprivileged and health-checked on /healthz, the API by default, and
a build context that holds everything the build copies."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import dockerfile
import pytest

from casetrail.platform.server_process import start_server
from tests.fixtures.deploy import DOCKERFILE, ROOT

Instructions = tuple[dockerfile.Command, ...]


@pytest.fixture(scope="module")
def instructions() -> Instructions:
    return dockerfile.parse_file(str(DOCKERFILE))  # raises on what buildkit would refuse


def _stages(instructions: Instructions) -> list[list[dockerfile.Command]]:
    stages: list[list[dockerfile.Command]] = []
    for command in instructions:
        if command.cmd == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(command)
    return stages


def _only(stage: list[dockerfile.Command], cmd: str) -> dockerfile.Command:
    (found,) = [command for command in stage if command.cmd == cmd]
    return found


def test_builds_in_one_stage_and_runs_from_another(instructions: Instructions) -> None:
    build, runtime = _stages(instructions)
    assert build[0].value[1:] == ("AS", "build")
    copies = [command for command in runtime if command.cmd == "COPY"]
    assert any("--from=build" in command.flags for command in copies)
    # Nothing compiles in the runtime stage: pip runs in the build stage only.
    assert not [c for c in runtime if c.cmd == "RUN" and "pip install" in c.value[0]]


def test_runtime_runs_as_an_unprivileged_numeric_user(instructions: Instructions) -> None:
    runtime = _stages(instructions)[-1]
    user = _only(runtime, "USER").value[0]
    uid = user.split(":")[0]
    assert uid.isdigit(), "a numeric uid lets Kubernetes' runAsNonRoot check it"
    assert int(uid) != 0


def test_healthcheck_asks_healthz(instructions: Instructions) -> None:
    check = _only(_stages(instructions)[-1], "HEALTHCHECK")
    assert check.json, "exec form: the slim image's shell is not needed to check health"
    assert check.value[0] == "CMD"
    assert "/healthz" in " ".join(check.value)
    assert any(flag.startswith("--start-period=") for flag in check.flags)


@pytest.mark.integration
def test_the_healthcheck_command_passes_on_a_live_server_and_fails_without(
    instructions: Instructions, tmp_path: Path
) -> None:
    _cmd, *command = _only(_stages(instructions)[-1], "HEALTHCHECK").value
    command[0] = sys.executable  # the image's `python`
    server = start_server(tmp_path / "data")
    try:
        port = server.base_url.rsplit(":", 1)[1]
        environment = {**os.environ, "CASETRAIL_PORT": port}
        assert subprocess.run(command, env=environment, check=False).returncode == 0
    finally:
        server.stop()
    assert subprocess.run(command, env=environment, check=False).returncode != 0


def test_runs_the_api_without_workers_by_default(instructions: Instructions) -> None:
    cmd = _only(_stages(instructions)[-1], "CMD")
    assert cmd.json
    assert list(cmd.value) == ["casetrail", "serve", "--no-workers"]
    environment = dict(zip(*[iter(_only(_stages(instructions)[-1], "ENV").value)] * 2, strict=True))
    assert environment["CASETRAIL_HOST"] == "0.0.0.0"


def test_every_copied_path_exists_and_passes_the_context_filter(
    instructions: Instructions,
) -> None:
    kept = {
        line.removeprefix("!").rstrip("/")
        for line in (DOCKERFILE.parent / "Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    for command in instructions:
        if command.cmd != "COPY" or any(f.startswith("--from=") for f in command.flags):
            continue
        *sources, _target = command.value
        for source in sources:
            assert (ROOT / source).exists(), source
            assert source.rstrip("/") in kept, f"{source} is filtered out of the build context"


def test_the_base_image_meets_requires_python(instructions: Instructions) -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    minimum = tuple(int(part) for part in declared.removeprefix(">=").split("."))
    argument = next(c for c in instructions if c.cmd == "ARG" and "PYTHON_IMAGE" in c.value[0])
    found = re.search(r"python:(\d+)\.(\d+)", argument.value[0])
    assert found, argument.original
    assert (int(found.group(1)), int(found.group(2))) >= minimum
