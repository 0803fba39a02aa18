from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click
from prometheus_client import CollectorRegistry, start_http_server

from casetrail.bootstrap.wiring import runtime
from casetrail.cases.outbound.relay import CaseEventRelay
from casetrail.cli.errors import load_settings


@click.command()
@click.option("--metrics-port", type=int, default=None, help="Serve Prometheus metrics here.")
def relay(metrics_port: int | None) -> None:
    """Publish committed case events to Kafka (support.case.*), alone, to scale out.

    Runs the relay only: no projections, no commerce consumer (``casetrail project`` and
    ``casetrail consume`` run those)."""
    settings = load_settings(run_workers=False)
    if not settings.kafka_bootstrap_servers:
        raise click.ClickException("set CASETRAIL_KAFKA_BOOTSTRAP_SERVERS to relay case events")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    registry = CollectorRegistry()
    if metrics_port is not None:
        start_http_server(metrics_port, addr="127.0.0.1", registry=registry)
    with runtime(settings) as running:
        click.echo("casetrail: relaying case events to Kafka")
        CaseEventRelay(
            running.desk, running.database_url, settings.kafka_bootstrap_servers, registry
        ).run(stop)
    click.echo("casetrail: relay stopped")
