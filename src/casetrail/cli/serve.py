"""``casetrail serve``: the API and the roles the settings enable, in one process."""

from __future__ import annotations

import click

from casetrail.bootstrap.roles.base import running
from casetrail.bootstrap.serve import serve_process, serve_roles
from casetrail.cli.errors import load_settings
from casetrail.cli.logs import observe
from casetrail.cli.sibling_servers import sibling_servers
from casetrail.cli.signals import stop_requested
from casetrail.platform.http.listener import bind_listener

# How often the main thread looks whether the server ended on its own.
POLL_SECONDS = 0.5


@click.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8000).")
@click.option(
    "--no-workers",
    is_flag=True,
    help="Serve the API only: no projections, relay, consumer or scheduler.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes serving the port; each role still runs once across them.",
)
@click.option("--shared-port", is_flag=True, hidden=True)
def serve(
    host: str | None, port: int | None, no_workers: bool, workers: int, shared_port: bool
) -> None:
    """Run the HTTP API (and, unless --no-workers, the other roles the settings enable)."""
    given = {"host": host, "port": port, "run_workers": False if no_workers else None}
    overrides = {name: value for name, value in given.items() if value is not None}
    settings = load_settings({name: f"--{name}" for name in overrides}, **overrides)
    # Bound before anything starts: a busy port or an address this machine lacks is one line.
    shared = shared_port or workers > 1
    listener = bind_listener(settings.http.host, settings.http.port, shared=shared)
    observe(settings)
    sibling_arguments = [
        *("--host", settings.http.host, "--port", str(settings.http.port), "--shared-port"),
        *(("--no-workers",) if no_workers else ()),
    ]
    serving = False
    try:
        with (
            stop_requested() as stop,
            sibling_servers(workers - 1, sibling_arguments),
            serve_process(settings, listener) as process,
        ):
            roles = ", ".join(serve_roles(settings))
            click.echo(
                f"casetrail: serving http://{settings.http.host}:{settings.http.port}"
                f" (docs at /docs), {process.database.describe()}; roles: {roles}"
            )
            serving = True
            with running(process.roles):
                while not stop.wait(POLL_SECONDS) and not process.api.stopped:
                    pass
    finally:
        listener.close()
        if serving:
            click.echo("casetrail: stopped")
