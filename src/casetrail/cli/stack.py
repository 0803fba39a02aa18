"""``casetrail stack``: real engines on this machine, without Docker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from pydantic import ValidationError

from casetrail.bootstrap.settings import Settings
from casetrail.devstack import (
    ENGINE_NAMES,
    EngineStatus,
    Stack,
    StackError,
    export_lines,
    stack_environment,
)


def _progress(message: str) -> None:
    click.echo(message, err=True)


@contextmanager
def _user_errors() -> Iterator[None]:
    """A stack failure is one message and a non-zero exit, never a traceback."""
    try:
        yield
    except StackError as error:
        raise click.ClickException(str(error)) from None


def _engine_list(value: str | None) -> list[str] | None:
    if not value:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in ENGINE_NAMES]
    if unknown:
        raise click.BadParameter(
            f"unknown engine {', '.join(unknown)}: choose from {', '.join(ENGINE_NAMES)}"
        )
    return names


def _stack(report: Callable[[str], None] = _progress) -> Stack:
    try:
        settings = Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise click.ClickException(f"invalid CASETRAIL_* settings: {problems}") from None
    return Stack(settings, report=report)


@click.group()
def stack() -> None:
    """PostgreSQL, Kafka, Kafka Connect with Debezium, Trino and Redis on loopback."""


@stack.command()
@click.option(
    "--only",
    metavar="ENGINES",
    help=f"Comma-separated engines to start (with those they need): {', '.join(ENGINE_NAMES)}.",
)
def up(only: str | None) -> None:
    """Start the engines, downloading them on first use; wait until each one serves."""
    engines = _engine_list(only)
    local = _stack()
    with _user_errors():
        started = local.up(engines)
    if not started.launched:
        _progress("every engine was already running")
    click.echo('stack is up; `eval "$(casetrail stack env)"` points casetrail at it')


@stack.command()
@click.option("--purge", is_flag=True, help="Also delete the engines' data.")
def down(purge: bool) -> None:
    """Stop the engines this stack started; their data stays unless --purge."""
    local = _stack()
    with _user_errors():
        stopped = local.down(purge=purge)
    click.echo(
        f"stopped: {', '.join(stopped)}" if stopped else "no engine of this stack was running"
    )


def _status_line(status: EngineStatus) -> str:
    state = "up" if status.running else "down"
    pid = str(status.pid) if status.pid else "-"
    return (
        f"{status.name:<9} {state:<5} {status.address:<16} {status.version or '?':<32} "
        f"{pid:<8} {status.log_file}"
    )


@stack.command()
def status() -> None:
    """Each engine: up or down, address, version, pid, log file, and what is missing."""
    local = _stack()
    with _user_errors():
        statuses = local.status()
    click.echo(f"{'engine':<9} {'state':<5} {'address':<16} {'version':<32} {'pid':<8} log")
    for engine in statuses:
        click.echo(_status_line(engine))
        if engine.missing:
            click.echo(f"{'':<9} missing: {engine.missing}")
    click.echo(f"stack directory: {local.settings.resolved_stack_dir}")


@stack.command()
@click.argument("engine", type=click.Choice(ENGINE_NAMES))
@click.option("-n", "--lines", default=50, show_default=True, help="How many lines to show.")
def logs(engine: str, lines: int) -> None:
    """The end of ENGINE's log file."""
    local = _stack()
    click.echo(local.engines[engine].log_tail(lines))


@stack.command()
def env() -> None:
    """`export` lines that point casetrail at this stack: eval "$(casetrail stack env)"."""
    local = _stack()
    with _user_errors():
        down_engines = [status.name for status in local.status() if not status.running]
        for line in export_lines(stack_environment(local)):
            click.echo(line)
    if down_engines:
        _progress(f"note: not running: {', '.join(down_engines)} (casetrail stack up)")
