"""Apache Kafka for the stack: one KRaft node (broker and controller) from Maven Central jars."""

from __future__ import annotations

import base64
import subprocess
import uuid
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from casetrail.devstack.assets import render_to
from casetrail.devstack.engines.base import LOOPBACK, ProcessEngine
from casetrail.devstack.errors import StackError
from casetrail.devstack.java import system_java
from casetrail.devstack.maven import MavenArtifacts
from casetrail.devstack.topics import PARTITIONS, STACK_TOPICS


def kafka_artifacts(cache_dir: Path) -> MavenArtifacts:
    """The jars of the broker and of Kafka Connect: one pom, one ``libs`` directory."""
    return MavenArtifacts(
        name="kafka",
        goal="dependency:copy-dependencies",
        version_property="kafka.version",
        cache_dir=cache_dir,
    )


def kafka_jvm_options(heap: str, log_config: Path) -> list[str]:
    # The options of Kafka's own start scripts, but with a heap capped for a shared 2-core
    # machine and no -Xms: the heap grows only as far as the load needs.
    return [
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-XX:InitiatingHeapOccupancyPercent=35",
        "-XX:+ExplicitGCInvokesConcurrent",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={log_config}",
    ]


def java_problem(command: str) -> str | None:
    try:
        system_java(command)
    except StackError as error:
        return str(error)
    return None


class KafkaEngine(ProcessEngine):
    name = "kafka"

    @property
    def artifacts(self) -> MavenArtifacts:
        return kafka_artifacts(self.settings.stack.cache_dir)

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.stack.kafka_port, self.settings.stack.kafka_controller_port)

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.settings.stack.kafka_port}"

    @property
    def bootstrap_servers(self) -> str:
        return self.address

    def version(self) -> str | None:
        return self.artifacts.version()

    def missing(self) -> str | None:
        problems = []
        if not self.artifacts.is_resolved():
            problems.append(f"Kafka jars not downloaded yet ({self.artifacts.how_to_get()})")
        java = java_problem(self.settings.stack.java)
        if java:
            problems.append(java)
        return "; ".join(problems) or None

    def install(self) -> None:
        system_java(self.settings.stack.java)
        self.artifacts.resolve(self.report)

    def command(self) -> list[str]:
        java = system_java(self.settings.stack.java)
        libs = self.artifacts.directory
        data_dir = self.home / "data"
        config = render_to(
            "kafka/server.properties",
            {
                "port": self.settings.stack.kafka_port,
                "controller_port": self.settings.stack.kafka_controller_port,
                "data_dir": data_dir,
            },
            self.home / "server.properties",
        )
        log_config = render_to("kafka/log4j2.properties", {}, self.home / "log4j2.properties")
        classpath = f"{libs}/*"
        if not (data_dir / "meta.properties").exists():
            self.report("kafka: formatting the KRaft storage")
            self._format_storage(java, classpath, config, log_config)
        return [
            str(java),
            *kafka_jvm_options(self.settings.stack.kafka_heap, log_config),
            "-cp",
            classpath,
            "kafka.Kafka",
            str(config),
        ]

    def _format_storage(self, java: Path, classpath: str, config: Path, log_config: Path) -> None:
        # A KRaft cluster id is 16 random bytes in URL-safe base64 without padding.
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        done = subprocess.run(
            [
                str(java),
                f"-Dlog4j2.configurationFile={log_config}",
                "-cp",
                classpath,
                "kafka.tools.StorageTool",
                "format",
                "--cluster-id",
                cluster_id,
                "--config",
                str(config),
                "--ignore-formatted",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise StackError(
                f"could not format Kafka's storage in {self.home / 'data'}: "
                f"{(done.stderr or done.stdout).strip()}"
            )

    def admin(self) -> AdminClient:
        # librdkafka would print every refused connection while the broker starts; failures
        # reach us as exceptions anyway.
        return AdminClient(
            {"bootstrap.servers": self.bootstrap_servers, "socket.timeout.ms": 5000, "log_level": 0}
        )

    def wait_ready(self, timeout: float) -> None:
        def metadata() -> object:
            brokers = self.admin().list_topics(timeout=5).brokers
            if not brokers:
                raise KafkaException("no broker in the cluster metadata yet")
            return brokers

        self.wait_ready_with(metadata, timeout)

    def provision(self) -> None:
        admin = self.admin()
        existing = set(admin.list_topics(timeout=10).topics)
        wanted = [
            NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)
            for topic in STACK_TOPICS
            if topic not in existing
        ]
        if not wanted:
            return
        for topic, future in admin.create_topics(wanted, operation_timeout=30).items():
            try:
                future.result(timeout=60)
            except KafkaException as error:
                if "TOPIC_ALREADY_EXISTS" not in str(error):
                    raise StackError(f"could not create Kafka topic {topic}: {error}") from None
