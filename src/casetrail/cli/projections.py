"""``casetrail project`` and ``casetrail projections status|rebuild|park``."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import click
import psycopg
from eventsourcing.persistence import PersistenceError
from prometheus_client import start_http_server

from casetrail.bootstrap.alone import projector_alone
from casetrail.bootstrap.contexts import projection_views
from casetrail.bootstrap.operator import OperatorSession, operator_session
from casetrail.bootstrap.roles.base import running
from casetrail.cli.errors import load_settings
from casetrail.cli.logs import observe
from casetrail.cli.signals import stop_requested
from casetrail.platform.embedded_postgres import LocalPostgresError
from casetrail.platform.subscriptions.blocked import (
    BlockedEvent,
    ParkRefused,
    blocked_event,
    park,
)
from casetrail.platform.subscriptions.parking import ParkingRecord, parking_records
from casetrail.platform.subscriptions.rebuild import RebuildProgress, RebuildRefused, rebuild
from casetrail.platform.subscriptions.status import ProjectionStatus

PROJECTIONS = sorted(projection_views())


@contextmanager
def database_errors_in_one_line() -> Iterator[None]:
    try:
        yield
    except LocalPostgresError as error:
        raise click.ClickException(str(error).splitlines()[0]) from None
    except (psycopg.Error, PersistenceError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
        raise click.ClickException(f"PostgreSQL: {first_line}") from None


@contextmanager
def attached() -> Iterator[OperatorSession]:
    """The operator's session on the event store, its failures as one-line messages."""
    settings = load_settings()
    with database_errors_in_one_line(), operator_session(settings) as session:
        yield session


@click.command()
@click.option(
    "--metrics-port", type=int, default=None, help="Serve Prometheus metrics on this port."
)
def project(metrics_port: int | None) -> None:
    """Run the projection runners alone (to scale them apart from the API)."""
    settings = load_settings()
    observe(settings)
    try:
        with (
            stop_requested() as stop,
            database_errors_in_one_line(),
            projector_alone(settings) as (core, projector),
        ):
            if metrics_port is not None:
                start_http_server(metrics_port, addr=settings.http.host, registry=core.registry)
            click.echo(
                f"casetrail: projecting {', '.join(projector.projections)} (one runner each is"
                " active across processes; Ctrl-C stops)",
                err=True,
            )
            with running([projector]):
                stop.wait()
    finally:
        click.echo("casetrail: projections stopped", err=True)


@click.group()
def projections() -> None:
    """Read models: where they stand, rebuilding them, parking an event they cannot apply."""


@projections.command()
def status() -> None:
    """Position, lag and runner of each projection; the event any of them is blocked at;
    the events parked so far."""
    with attached() as session:
        statuses = session.status.read()
        blocked = [
            found
            for item in statuses
            if item.lag_events
            and item.version
            and (found := _blocked(session, item.projection)) is not None
        ]
        with session.read_database.connect() as conn:
            parked = parking_records(conn)
    header = ("projection", "version", "position", "head", "behind", "lag", "runner", "building")
    rows = [header, *(_status_row(item) for item in statuses)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    if blocked:
        click.echo("\nblocked (the projection stops before this event until it is parked):")
        for event in blocked:
            click.echo(_blocked_lines(event))
    if parked:
        click.echo("\nparked (passed over by that projection, its runners and rebuilds):")
        for record in parked:
            click.echo(_parked_lines(record))


def _blocked(session: OperatorSession, projection: str) -> BlockedEvent | None:
    return blocked_event(
        projection,
        app=session.core.desk,
        datastore=session.read_database.datastore(pool_size=1),
        connect=session.read_database.connect,
    )


def _blocked_lines(event: BlockedEvent) -> str:
    return (
        f"  {event.projection}  notification {event.notification_id}  {event.topic}"
        f"  stream {event.originator_id}\n"
        f"    error: {_first_line(event.error)}\n"
        f"    to pass it: casetrail projections park {event.projection} "
        f'{event.notification_id} --reason "..." --by "..."'
    )


def _parked_lines(record: ParkingRecord) -> str:
    return (
        f"  {record.projection}  notification {record.notification_id}  {record.topic}"
        f"  stream {record.originator_id}\n"
        f"    parked {record.parked_at.isoformat(timespec='seconds')} by {record.parked_by}:"
        f" {record.reason}\n"
        f"    error: {_first_line(record.error)}"
    )


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _status_row(item: ProjectionStatus) -> tuple[str, ...]:
    lag = "stuck" if math.isnan(item.lag_seconds) else _duration(item.lag_seconds)
    building = (
        f"v{item.building_version} at {item.building_position}"
        if item.building_version is not None
        else "-"
    )
    return (
        item.projection,
        f"v{item.version}",
        str(item.position),
        str(item.head),
        f"{item.lag_events} events",
        lag,
        "active" if item.runner_active else "none",
        building,
    )


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.1f}s"


@projections.command(name="rebuild")
@click.argument("name", type=click.Choice(PROJECTIONS))
@click.option("--batch-size", default=5_000, show_default=True, help="Events per transaction.")
def rebuild_command(name: str, batch_size: int) -> None:
    """Replay the log into a new version of NAME while the active one serves, then switch."""
    with attached() as session:
        with session.read_database.connect() as conn:
            parked = len(parking_records(conn, [name]))
        passed_over = f"; {parked} parked event(s) passed over" if parked else ""
        click.echo(
            f"rebuilding {name} from the first event; the active version keeps serving"
            f"{passed_over}",
            err=True,
        )
        try:
            result = rebuild(
                name,
                app=session.core.desk,
                datastore=session.read_database.datastore(pool_size=1),
                connect=session.read_database.connect,
                batch_size=batch_size,
                report=RebuildProgressPrinter(name),
            )
        except RebuildRefused as error:
            raise click.ClickException(str(error)) from None
    dropped = (
        f"; dropped {', '.join(f'v{n}' for n in result.dropped_versions)}"
        if (result.dropped_versions)
        else ""
    )
    click.echo(
        f"{name}: v{result.version} is active (was v{result.previous_version}); "
        f"{result.events} events in {result.elapsed_seconds:.1f} s; "
        f"v{result.previous_version} kept for comparison{dropped}"
    )


@projections.command(name="park")
@click.argument("name", type=click.Choice(PROJECTIONS))
@click.argument("notification_id", type=click.IntRange(min=1))
@click.option("--reason", required=True, help="Why the event is parked (kept for the audit).")
@click.option("--by", "parked_by", required=True, help="Who parks it (kept for the audit).")
def park_command(name: str, notification_id: int, reason: str, parked_by: str) -> None:
    """Let NAME go on past NOTIFICATION_ID, the event it is blocked at (see `status`).

    Only that projection passes over only that event, now and in every rebuild; the event
    stays in the event store. Who, when, why and the error are recorded in
    projection_parked_events and listed by `casetrail projections status`."""
    with attached() as session:
        database = session.read_database
        try:
            record, new = park(
                name,
                notification_id,
                reason=reason,
                parked_by=parked_by,
                app=session.core.desk,
                datastore=database.datastore(pool_size=1),
                connect=database.connect,
            )
        except ParkRefused as error:
            raise click.ClickException(str(error)) from None
    if not new:
        click.echo(f"{name}: notification {notification_id} was parked already")
        click.echo(_parked_lines(record))
        return
    click.echo(
        f"{name}: notification {notification_id} parked; its runner passes over it at its next "
        "retry (within 30 s)"
    )
    click.echo(_parked_lines(record))


class RebuildProgressPrinter:
    def __init__(self, name: str) -> None:
        self._name = name

    def __call__(self, progress: RebuildProgress) -> None:
        share = f" ({progress.position / progress.head:.0%})" if progress.head else ""
        click.echo(
            f"  {self._name} v{progress.version}: at {progress.position} of "
            f"{progress.head}{share}, {progress.events} events, {progress.rate:,.0f} events/s",
            err=True,
        )
