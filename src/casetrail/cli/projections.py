"""``casetrail project`` and ``casetrail projections status|rebuild``."""

from __future__ import annotations

import logging
import math
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import click
import psycopg
from eventsourcing.persistence import PersistenceError
from prometheus_client import start_http_server
from pydantic import ValidationError

from casetrail.infra.bootstrap import Runtime, runtime
from casetrail.infra.local_postgres import LocalPostgresError
from casetrail.infra.settings import Settings
from casetrail.projections.postgres.catalog import VIEW_CLASSES
from casetrail.projections.postgres.rebuild import RebuildProgress, RebuildRefused, rebuild
from casetrail.projections.postgres.status import ProjectionStatus


def _settings(**overrides: bool) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise click.ClickException(f"invalid CASETRAIL_* settings: {problems}") from None


@contextmanager
def _attached(settings: Settings) -> Iterator[Runtime]:
    """The runtime, with its failures as one-line messages instead of tracebacks."""
    try:
        with runtime(settings, share_embedded=True) as running:
            yield running
    except LocalPostgresError as error:
        raise click.ClickException(str(error).splitlines()[0]) from None
    except (psycopg.Error, PersistenceError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
        raise click.ClickException(f"PostgreSQL: {first_line}") from None


@click.command()
@click.option(
    "--metrics-port", type=int, default=None, help="Serve Prometheus metrics on this port."
)
def project(metrics_port: int | None) -> None:
    """Run the projection runners alone (to scale them apart from the API)."""
    settings = _settings(run_workers=True)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    signal.signal(signal.SIGTERM, _exit_quietly)
    try:
        with _attached(settings) as running:
            assert running.read_side is not None
            assert running.read_side.supervisor is not None
            if metrics_port is not None:
                start_http_server(metrics_port, registry=running.metrics_registry)
            click.echo(
                f"casetrail: projecting {', '.join(VIEW_CLASSES)} (one runner each is active "
                "across processes; Ctrl-C stops)",
                err=True,
            )
            running.read_side.supervisor.wait()
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("casetrail: projections stopped", err=True)


@click.group()
def projections() -> None:
    """Read models: where they stand, and rebuilding them."""


@projections.command()
def status() -> None:
    """Position, lag and runner of each projection."""
    with _attached(_settings(run_workers=False)) as running:
        assert running.read_side is not None
        statuses = running.read_side.status.read()
    header = ("projection", "version", "position", "head", "behind", "lag", "runner", "building")
    rows = [header, *(_status_row(item) for item in statuses)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


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
@click.argument("name", type=click.Choice(sorted(VIEW_CLASSES)))
@click.option("--batch-size", default=5_000, show_default=True, help="Events per transaction.")
def rebuild_command(name: str, batch_size: int) -> None:
    """Replay the log into a new version of NAME while the active one serves, then switch."""
    with _attached(_settings(run_workers=False)) as running:
        assert running.read_side is not None
        click.echo(
            f"rebuilding {name} from the first event; the active version keeps serving", err=True
        )
        try:
            result = rebuild(
                name,
                app=running.desk,
                datastore=running.read_side.database.datastore(pool_size=1),
                connect=running.read_side.database.connect,
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


def _exit_quietly(_signum: int, _frame: FrameType | None) -> None:
    sys.exit(0)
