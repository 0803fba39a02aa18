"""docker-compose.yml cannot run here (no Docker engine), so it is kept honest by comparing
it with the local stack's definitions: ports, topics, catalog, versions, settings names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from casetrail.bootstrap.settings import Settings
from casetrail.bootstrap.settings_sources import variable_paths
from casetrail.devstack.engines.connect import (
    CONFIG_TOPIC,
    GROUP_ID,
    OFFSET_TOPIC,
    STATUS_TOPIC,
    debezium_artifacts,
)
from casetrail.devstack.engines.kafka import kafka_artifacts
from casetrail.devstack.engines.postgres import DATABASE, REPLICATION_ROLE, SERVER_SETTINGS
from casetrail.devstack.engines.trino import SUPPORT_CATALOG, trino_artifacts
from casetrail.devstack.topics import PARTITIONS, STACK_TOPICS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose["services"]  # type: ignore[no-any-return]


def _default(variable: str) -> Any:
    """The default of the setting behind CASETRAIL_<VARIABLE> (settings are grouped)."""
    group, *rest = variable_paths(Settings)[variable]
    value: Any = Settings.model_fields[group].default
    for name in rest:
        value = getattr(value, name)
    return value


def _host_ports(service: dict[str, Any]) -> set[int]:
    return {int(mapping.split(":")[-2]) for mapping in service.get("ports", [])}


def _image_tag(service: dict[str, Any]) -> str:
    return str(service["image"]).rsplit(":", 1)[1]


@pytest.mark.parametrize(
    ("service", "setting"),
    [
        ("postgres", "stack_postgres_port"),
        ("kafka", "stack_kafka_port"),
        ("connect", "stack_connect_port"),
        ("trino", "stack_trino_port"),
        ("redis", "stack_redis_port"),
    ],
)
def test_engines_publish_the_stack_ports_on_loopback(
    services: dict[str, Any], service: str, setting: str
) -> None:
    assert _host_ports(services[service]) == {_default(setting)}
    assert all(str(m).startswith("127.0.0.1:") for m in services[service]["ports"])


def test_kafka_advertises_the_stack_address_to_the_host(services: dict[str, Any]) -> None:
    advertised = services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert f"127.0.0.1:{_default('stack_kafka_port')}" in advertised


def test_compose_creates_the_stack_topics(services: dict[str, Any]) -> None:
    environment = services["kafka-topics"]["environment"]
    assert environment["TOPICS"].split() == list(STACK_TOPICS)
    assert int(environment["PARTITIONS"]) == PARTITIONS


def test_connect_uses_the_stack_group_and_storage_topics(services: dict[str, Any]) -> None:
    environment = services["connect"]["environment"]
    assert environment["GROUP_ID"] == GROUP_ID
    assert environment["CONFIG_STORAGE_TOPIC"] == CONFIG_TOPIC
    assert environment["OFFSET_STORAGE_TOPIC"] == OFFSET_TOPIC
    assert environment["STATUS_STORAGE_TOPIC"] == STATUS_TOPIC


def test_trino_mounts_the_support_catalog_on_casetrail_database(services: dict[str, Any]) -> None:
    mounts = {
        volume.split(":")[1]: ROOT / volume.split(":")[0] for volume in services["trino"]["volumes"]
    }
    catalog = mounts[f"/etc/trino/catalog/{SUPPORT_CATALOG}.properties"]
    properties = dict(
        line.split("=", 1)
        for line in catalog.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert properties["connector.name"] == "postgresql"
    assert properties["connection-url"].endswith(f"/{DATABASE}")


def test_postgres_is_set_up_for_debezium_like_the_stack(services: dict[str, Any]) -> None:
    postgres = services["postgres"]
    assert postgres["environment"]["POSTGRES_DB"] == DATABASE
    command = postgres["command"]
    for name, value in SERVER_SETTINGS.items():
        assert f"{name}={value}" in command
    init_scripts = [ROOT / v.split(":")[0] for v in postgres["volumes"] if "initdb" in v]
    assert any(f"CREATE ROLE {REPLICATION_ROLE}" in script.read_text() for script in init_scripts)


def test_images_run_the_versions_the_stack_resolves(
    services: dict[str, Any], tmp_path: Path
) -> None:
    assert _image_tag(services["kafka"]) == kafka_artifacts(tmp_path).version()
    assert _image_tag(services["kafka-topics"]) == kafka_artifacts(tmp_path).version()
    assert _image_tag(services["connect"]) == debezium_artifacts(tmp_path).version()
    assert _image_tag(services["trino"]) == trino_artifacts(tmp_path).version()
    assert services["connect"]["image"].endswith(
        f"debezium/connect:{_image_tag(services['connect'])}"
    )


def test_casetrail_processes_are_configured_through_known_settings(
    services: dict[str, Any],
) -> None:
    commands = {
        name: " ".join(services[name]["command"])
        for name in ("api", "projector", "consumer", "relay")
    }
    assert "casetrail serve" in commands["api"]
    assert "casetrail project" in commands["projector"]
    assert "casetrail consume" in commands["consumer"]
    assert "casetrail relay" in commands["relay"]
    for name in commands:
        for variable in services[name]["environment"]:
            assert variable.startswith("CASETRAIL_")
            assert variable.removeprefix("CASETRAIL_").lower() in variable_paths(Settings)
