"""``casetrail relay``: the relay role alone."""

from __future__ import annotations

import click
from prometheus_client import start_http_server

from casetrail.bootstrap.alone import relay_alone
from casetrail.bootstrap.roles.base import running
from casetrail.cli.errors import load_settings
from casetrail.cli.logs import observe
from casetrail.cli.signals import stop_requested


@click.command()
@click.option("--metrics-port", type=int, default=None, help="Serve Prometheus metrics here.")
def relay(metrics_port: int | None) -> None:
    """Publish committed case and directory events to Kafka (support.case.*,
    support.agent.*, support.department.*), alone, to scale out.

    Runs the relay only: no projections, no commerce consumer (``casetrail project`` and
    ``casetrail consume`` run those)."""
    settings = load_settings()
    if not settings.kafka.bootstrap_servers:
        raise click.ClickException("set CASETRAIL_KAFKA_BOOTSTRAP_SERVERS to relay case events")
    observe(settings)
    with stop_requested() as stop, relay_alone(settings) as (core, role):
        if metrics_port is not None:
            start_http_server(metrics_port, addr=settings.http.host, registry=core.registry)
        click.echo("casetrail: relaying case events to Kafka")
        with running([role]):
            while not stop.wait(0.5) and role.failure is None and role.running:
                pass
    if role.failure is not None:
        raise click.ClickException(f"relay halted: {role.failure}")
    click.echo("casetrail: relay stopped")
