"""docker-compose.yml runs casetrail's image beside the engines: one service per process
role, each health-checked where it answers."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.fixtures.deploy import ROOT

ROLES = {
    "api": "serve",
    "projector": "project",
    "consumer": "consume",
    "relay": "relay",
    "scheduler": "scheduler",
}


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]  # type: ignore[no-any-return]


def test_every_role_runs_from_the_casetrail_image(services: dict[str, Any]) -> None:
    for service, command in ROLES.items():
        assert services[service]["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}
        assert services[service]["command"][:2] == ["casetrail", command], service


def test_the_api_serves_no_workers_on_every_interface(services: dict[str, Any]) -> None:
    command = services["api"]["command"]
    assert "--no-workers" in command
    assert command[command.index("--host") + 1] == "0.0.0.0"


def test_workers_are_checked_on_the_port_their_metrics_are_served_on(
    services: dict[str, Any],
) -> None:
    for service in ("projector", "consumer", "relay", "scheduler"):
        check = " ".join(services[service]["healthcheck"]["test"])
        port = check.split("127.0.0.1:")[1].split("/")[0]
        served = " ".join(services[service]["command"]).split("--metrics-port ")[-1]
        if service == "consumer":
            served = services[service]["environment"]["CASETRAIL_COMMERCE_METRICS_PORT"]
        assert served.split()[0] == port, service


def test_roles_share_the_engines_settings(services: dict[str, Any]) -> None:
    api = services["api"]["environment"]
    for service in ROLES:
        environment = services[service]["environment"]
        assert {name: environment[name] for name in api} == api, service
