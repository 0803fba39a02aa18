from __future__ import annotations

import click


@click.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8000).")
@click.option("--no-workers", is_flag=True, help="Serve the API only: no projections, relay or consumers.")
def serve(host: str | None, port: int | None, no_workers: bool) -> None:
    """Run the HTTP API (and, unless --no-workers, the background workers)."""
    raise click.ClickException("serve is being wired")
