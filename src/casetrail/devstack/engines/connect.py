"""Kafka Connect for the stack: one distributed worker, from the Kafka jars, with the Debezium
PostgreSQL connector plugin."""

from __future__ import annotations

from pathlib import Path

import httpx

from casetrail.devstack.assets import render_to
from casetrail.devstack.engines.base import LOOPBACK, ProcessEngine
from casetrail.devstack.engines.kafka import java_problem, kafka_artifacts, kafka_jvm_options
from casetrail.devstack.errors import StackError
from casetrail.devstack.java import system_java
from casetrail.devstack.maven import MavenArtifacts

GROUP_ID = "casetrail-connect"
CONFIG_TOPIC = "connect-configs"
OFFSET_TOPIC = "connect-offsets"
STATUS_TOPIC = "connect-status"
DEBEZIUM_POSTGRES_CONNECTOR = "io.debezium.connector.postgresql.PostgresConnector"


def debezium_artifacts(cache_dir: Path) -> MavenArtifacts:
    return MavenArtifacts(
        name="debezium",
        goal="dependency:copy-dependencies",
        version_property="debezium.version",
        cache_dir=cache_dir,
    )


class ConnectEngine(ProcessEngine):
    name = "connect"
    requires = ("kafka", "postgres")

    @property
    def kafka_jars(self) -> MavenArtifacts:
        return kafka_artifacts(self.settings.stack.cache_dir)

    @property
    def debezium(self) -> MavenArtifacts:
        return debezium_artifacts(self.settings.stack.cache_dir)

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.stack.connect_port,)

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.settings.stack.connect_port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def version(self) -> str | None:
        return f"{self.kafka_jars.version()} + Debezium {self.debezium.version()}"

    def missing(self) -> str | None:
        problems = [
            f"{artifacts.name} jars not downloaded yet ({artifacts.how_to_get()})"
            for artifacts in (self.kafka_jars, self.debezium)
            if not artifacts.is_resolved()
        ]
        java = java_problem(self.settings.stack.java)
        if java:
            problems.append(java)
        return "; ".join(problems) or None

    def install(self) -> None:
        system_java(self.settings.stack.java)
        self.kafka_jars.resolve(self.report)
        self.debezium.resolve(self.report)

    def command(self) -> list[str]:
        java = system_java(self.settings.stack.java)
        config = render_to(
            "connect/connect-distributed.properties",
            {
                "kafka_port": self.settings.stack.kafka_port,
                "port": self.settings.stack.connect_port,
                "group_id": GROUP_ID,
                "config_topic": CONFIG_TOPIC,
                "offset_topic": OFFSET_TOPIC,
                "status_topic": STATUS_TOPIC,
                "plugin_path": self.debezium.directory,
            },
            self.home / "connect-distributed.properties",
        )
        log_config = render_to("kafka/log4j2.properties", {}, self.home / "log4j2.properties")
        return [
            str(java),
            *kafka_jvm_options(self.settings.stack.connect_heap, log_config),
            "-cp",
            f"{self.kafka_jars.directory}/*",
            "org.apache.kafka.connect.cli.ConnectDistributed",
            str(config),
        ]

    def wait_ready(self, timeout: float) -> None:
        def connectors() -> object:
            response = httpx.get(f"{self.url}/connectors", timeout=5)
            response.raise_for_status()
            return response.json()

        self.wait_ready_with(connectors, timeout)

    def provision(self) -> None:
        response = httpx.get(f"{self.url}/connector-plugins", timeout=10)
        response.raise_for_status()
        plugins = {plugin["class"] for plugin in response.json()}
        if DEBEZIUM_POSTGRES_CONNECTOR not in plugins:
            raise StackError(
                f"Kafka Connect runs but did not load the Debezium PostgreSQL plugin from "
                f"{self.debezium.directory}; see {self.log_file}"
            )
