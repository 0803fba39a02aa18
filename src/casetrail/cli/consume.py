"""``casetrail consume``: one member of the commerce consumer group, until SIGTERM."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click
import psycopg
from confluent_kafka import KafkaException
from prometheus_client import CollectorRegistry, start_http_server

from casetrail.bootstrap.commerce import (
    CommerceSetupError,
    build_consumer,
    topic_map,
    tune_garbage_collector_for_batches,
)
from casetrail.bootstrap.commerce_database import commerce_database
from casetrail.bootstrap.settings import Settings
from casetrail.cli.logs import observe
from casetrail.commerce.dead_letters import DeadLetterLimitExceeded
from casetrail.commerce.kafka_consumer import ConsumerTotals
from casetrail.platform.embedded_postgres import LocalPostgresError
from casetrail.platform.logs import bind_log_context


@click.command()
@click.option(
    "--group", default=None, help="Consumer group (default CASETRAIL_COMMERCE_CONSUMER_GROUP)."
)
def consume(group: str | None) -> None:
    """Absorb orders, payments, shipments and fraud alerts from Kafka into the context tables.

    Run several with one group to share the partitions. SIGTERM finishes the batch in hand,
    stores it and leaves the group.
    """
    settings = Settings()
    observe(settings)
    bind_log_context(role="consumer")
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {
        signum: signal.signal(signum, request_stop) for signum in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        totals = _consume(settings, group or settings.commerce.consumer_group, stop)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo(
        f"casetrail: stopped after {totals.consumed} messages in {totals.batches} batches:"
        f" {totals.applied} applied, {totals.duplicates} duplicates,"
        f" {totals.dead_lettered} dead letters",
        err=True,
    )


def _consume(settings: Settings, group: str, stop: threading.Event) -> ConsumerTotals:
    registry = CollectorRegistry()
    if settings.commerce.metrics_port is not None:
        start_http_server(
            settings.commerce.metrics_port, addr=settings.http.host, registry=registry
        )
    try:
        with commerce_database(settings) as database_url:
            running = build_consumer(
                settings, database_url, registry=registry, stop=stop, group=group
            )
            click.echo(
                f"casetrail: consuming {', '.join(topic_map(settings).names)} as group {group}",
                err=True,
            )
            tune_garbage_collector_for_batches()
            try:
                return running.consumer.run()
            finally:
                running.close()
    except (CommerceSetupError, DeadLetterLimitExceeded, LocalPostgresError) as error:
        raise click.ClickException(str(error).splitlines()[0]) from None
    except KafkaException as error:
        raise click.ClickException(f"Kafka: {error.args[0].str()}") from None
    except psycopg.Error as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise click.ClickException(
            f"PostgreSQL: {type(error).__name__}: {first_line}; the batch in hand was not"
            " stored, the consumer halts here"
        ) from None
