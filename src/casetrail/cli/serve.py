from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

import click
import uvicorn

from casetrail.bootstrap.authentication import build_authentication
from casetrail.bootstrap.http_app import create_app
from casetrail.bootstrap.readiness import postgres_check, projections_check
from casetrail.bootstrap.wiring import runtime, utc_now
from casetrail.cases.api.query_deps import ReadOptions
from casetrail.cli.errors import load_settings
from casetrail.platform.http.bounded_http import HeadLimits, bounded_http_protocol
from casetrail.platform.http.listener import bind_listener
from casetrail.privacy.erasure import erasure_for


@click.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8000).")
@click.option(
    "--no-workers", is_flag=True, help="Serve the API only: no projections, relay or consumers."
)
def serve(host: str | None, port: int | None, no_workers: bool) -> None:
    """Run the HTTP API (and, unless --no-workers, the background workers)."""
    given = {"host": host, "port": port, "run_workers": False if no_workers else None}
    overrides = {name: value for name, value in given.items() if value is not None}
    settings = load_settings({name: f"--{name}" for name in overrides}, **overrides)
    host, port = settings.host, settings.port
    # Bound before anything starts: a busy port or an address this machine lacks is one line.
    listener = bind_listener(host, port)
    # uvicorn re-raises SIGTERM after its graceful shutdown; turn it into a normal exit so
    # that the embedded PostgreSQL is stopped cleanly behind it.
    signal.signal(signal.SIGTERM, _exit_quietly)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    serving = False
    try:
        with runtime(
            settings, relay=settings.run_workers, commerce_consumer=settings.run_workers
        ) as running:
            where = (
                f"embedded PostgreSQL in {running.embedded.data_dir}"
                if running.embedded is not None
                else "PostgreSQL at CASETRAIL_DATABASE_URL"
            )
            click.echo(f"casetrail: serving http://{host}:{port} (docs at /docs), {where}")
            serving = True
            assert running.read_side is not None
            assert running.timeline is not None
            app = create_app(
                running.desk,
                readiness_checks={
                    "postgres": postgres_check(running.database_url),
                    "projections": projections_check(
                        running.read_side.status, settings.projection_ready_max_lag_seconds
                    ),
                    **(
                        {"commerce": running.commerce_worker.readiness}
                        if running.commerce_worker is not None
                        else {}
                    ),
                },
                metrics_registry=running.metrics_registry,
                read_model=running.read_side.read_model,
                read_options=ReadOptions(
                    max_wait_seconds=settings.read_your_writes_timeout,
                    agent_capacity=settings.agent_capacity,
                ),
                customer_context=running.customer_context,
                case_timeline=running.timeline.service(
                    running.read_side.read_model,
                    max_wait_seconds=settings.read_your_writes_timeout,
                ),
                benchmark_read=(
                    running.timeline.benchmark_read() if settings.timeline_benchmark_route else None
                ),
                authentication=build_authentication(settings),
                erasure=erasure_for(running.desk, utc_now, timeline=running.timeline),
            )
            server = uvicorn.Server(
                uvicorn.Config(
                    app,
                    http=bounded_http_protocol(
                        HeadLimits(
                            max_bytes=settings.http_max_header_bytes,
                            max_fields=settings.http_max_header_fields,
                            timeout_seconds=settings.http_header_timeout_seconds,
                        )
                    ),
                    log_level="warning",
                    access_log=False,
                )
            )
            server.run(sockets=[listener])
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
        if serving:
            click.echo("casetrail: stopped")


def _exit_quietly(_signum: int, _frame: FrameType | None) -> None:
    sys.exit(0)
