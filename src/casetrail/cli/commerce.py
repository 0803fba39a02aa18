"""Commerce context without a consumer group: load a file, generate streams, export schemas."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from confluent_kafka import KafkaException

from casetrail.bootstrap.commerce import (
    CommerceSetupError,
    check_topics,
    topic_map,
)
from casetrail.bootstrap.commerce_database import commerce_database
from casetrail.bootstrap.settings import Settings
from casetrail.commerce.generator import CommerceStreamGenerator
from casetrail.commerce.ingest import ingest_file
from casetrail.commerce.json_schemas import write_schemas
from casetrail.commerce.ports import StoreUnavailable
from casetrail.commerce.postgres_store import PostgresContextStore
from casetrail.commerce.producer import produce_generated
from casetrail.platform.embedded_postgres import LocalPostgresError

SHOWN_REFUSALS = 20


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def ingest(file: Path) -> None:
    """Load commerce events from a JSON-lines FILE into the context tables (no Kafka needed).

    One message per line: {"topic": "order.status.changed", "key": "...", "value": {...}}.
    Loading the same file again changes nothing. Exits with status 1 when lines were refused.
    """
    settings = Settings()
    try:
        with commerce_database(settings) as database_url:
            store = PostgresContextStore(database_url)
            try:
                store.migrate()
                with click.progressbar(
                    length=file.stat().st_size, label=f"loading {file.name}", file=sys.stderr
                ) as bar:
                    done = 0

                    def advance(position: int) -> None:
                        nonlocal done
                        bar.update(position - done)
                        done = position

                    totals = ingest_file(
                        file,
                        store,
                        topics=topic_map(settings),
                        batch_size=settings.commerce.batch_size,
                        progress=advance,
                    )
            finally:
                store.close()
    except (LocalPostgresError, StoreUnavailable) as error:
        raise click.ClickException(str(error).splitlines()[0]) from None
    click.echo(
        f"casetrail: {totals.lines} lines, {totals.applied} events applied,"
        f" {totals.duplicates} duplicates, {len(totals.refused)} refused",
        err=True,
    )
    for refused in totals.refused[:SHOWN_REFUSALS]:
        click.echo(f"  line {refused.line}: {refused.reason}: {refused.error}", err=True)
    if len(totals.refused) > SHOWN_REFUSALS:
        click.echo(f"  … and {len(totals.refused) - SHOWN_REFUSALS} more", err=True)
    if totals.refused:
        sys.exit(1)


@click.command("generate-commerce")
@click.option("--events", "count", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.option("--customers", type=click.IntRange(min=1), default=1_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--duplicates", type=click.FloatRange(0, 0.5), default=0.0, help="Share of redeliveries."
)
@click.option(
    "--reorder-window", type=click.IntRange(min=0), default=0, help="Shuffle within N events."
)
@click.option(
    "--poison", type=click.FloatRange(0, 0.5), default=0.0, help="Share of broken messages."
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write JSON lines here (for `casetrail ingest`); default: standard output.",
)
@click.option(
    "--kafka", is_flag=True, help="Produce to the Kafka topics instead (keyed by customer_id)."
)
def generate_commerce(
    count: int,
    customers: int,
    seed: int,
    duplicates: float,
    reorder_window: int,
    poison: float,
    output: Path | None,
    kafka: bool,
) -> None:
    """Generate a realistic stream of order, payment, shipment and fraud events."""
    generator = CommerceStreamGenerator(
        customers=customers,
        seed=seed,
        duplicate_rate=duplicates,
        reorder_window=reorder_window,
        poison_rate=poison,
    )
    messages = generator.messages(count)
    if kafka:
        settings = Settings()
        if not settings.kafka.bootstrap_servers:
            raise click.ClickException("CASETRAIL_KAFKA_BOOTSTRAP_SERVERS is not set")
        topics = topic_map(settings)
        try:
            check_topics(settings.kafka.bootstrap_servers, topics)
            with click.progressbar(length=count, label="producing", file=sys.stderr) as bar:
                produce_generated(
                    settings.kafka.bootstrap_servers, messages, topics, progress=bar.update
                )
        except CommerceSetupError as error:
            raise click.ClickException(str(error)) from None
        except KafkaException as error:
            raise click.ClickException(f"Kafka: {error.args[0].str()}") from None
        click.echo(f"casetrail: produced {count} events", err=True)
        return
    with (
        click.open_file(str(output) if output else "-", "w") as out,
        click.progressbar(length=count, label="generating", file=sys.stderr) as bar,
    ):
        for number, message in enumerate(messages, start=1):
            out.write(message.as_json_line() + "\n")
            if number % 1_000 == 0:
                bar.update(1_000)


@click.command("commerce-schemas")
@click.argument(
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas/commerce"),
)
def commerce_schemas(directory: Path) -> None:
    """Export the commerce events' JSON Schema files (default: schemas/commerce)."""
    for path in write_schemas(directory):
        click.echo(str(path))
