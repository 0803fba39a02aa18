"""``casetrail scheduler``: the timer worker alone; ``--status`` shows the timers instead."""

from __future__ import annotations

import click
from prometheus_client import CollectorRegistry, start_http_server

from casetrail.bootstrap.alone import scheduler_alone
from casetrail.bootstrap.event_store import event_store_database
from casetrail.bootstrap.roles.base import running
from casetrail.bootstrap.roles.scheduler import scheduler_status
from casetrail.cli.errors import load_settings
from casetrail.cli.logs import observe
from casetrail.cli.projections import database_errors_in_one_line
from casetrail.cli.signals import stop_requested
from casetrail.platform.timers import TimerStatus


@click.command()
@click.option("--status", "show_status", is_flag=True, help="Show the timers, then exit.")
@click.option("--metrics-port", type=int, default=None, help="Serve Prometheus metrics here.")
def scheduler(show_status: bool, metrics_port: int | None) -> None:
    """Fire durable timers at their due time, alone, to scale out (any number may run).

    Runs the timer worker with the handlers every context registers; timers of a kind no
    running worker handles wait, shown as overdue by kind in --status."""
    settings = load_settings()
    if show_status:
        with database_errors_in_one_line(), event_store_database(settings) as database:
            status = scheduler_status(database.url)
        click.echo(status_lines(status))
        return
    observe(settings)
    registry = CollectorRegistry()
    with (
        stop_requested() as stop,
        database_errors_in_one_line(),
        scheduler_alone(settings, registry) as role,
    ):
        if metrics_port is not None:
            start_http_server(metrics_port, addr=settings.http.host, registry=registry)
        kinds = ", ".join(role.kinds) or "none registered"
        click.echo(f"casetrail: firing timers (kinds: {kinds}; Ctrl-C stops)", err=True)
        with running([role]):
            stop.wait()
    click.echo("casetrail: scheduler stopped", err=True)


def status_lines(status: TimerStatus) -> str:
    lines = [
        f"pending {status.pending}  overdue {status.overdue}  failing {status.failing}"
        f"  oldest overdue {status.oldest_overdue_seconds:.0f} s"
    ]
    if status.overdue_by_kind:
        lines.append("overdue by kind (a kind no worker handles waits here):")
        lines += [f"  {kind}  {count}" for kind, count in status.overdue_by_kind.items()]
    if status.failing_timers:
        lines.append("failing (retried, never dropped):")
        lines += [
            f"  {timer.timer_key}  {timer.kind}  due {timer.due_at.isoformat()}"
            f"  attempts {timer.attempts}  next {timer.next_attempt_at.isoformat()}\n"
            f"    {timer.last_error}"
            for timer in status.failing_timers
        ]
    return "\n".join(lines)
