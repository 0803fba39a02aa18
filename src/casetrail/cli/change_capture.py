from __future__ import annotations

import json

import click

from casetrail.bootstrap.settings import Settings
from casetrail.cases.outbound.change_capture import (
    CaptureTarget,
    ChangeCaptureError,
    register,
    status,
)


def _target() -> CaptureTarget:
    settings = Settings()
    if settings.database_url is None or not settings.kafka.connect_url:
        raise click.ClickException(
            "set CASETRAIL_DATABASE_URL and CASETRAIL_KAFKA_CONNECT_URL"
            ' (`eval "$(casetrail stack env)"` points them at the local stack)'
        )
    return CaptureTarget(
        database_url=str(settings.database_url), connect_url=settings.kafka.connect_url
    )


@click.group(name="cdc")
def change_capture() -> None:
    """Change capture of support data for analytics (Debezium on Kafka Connect)."""


@change_capture.command(name="register")
def register_command() -> None:
    """Publish the support tables and register the Debezium connector."""
    target = _target()
    try:
        register(target)
    except ChangeCaptureError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{target.connector}: RUNNING; changes on {target.events_topic}")


@change_capture.command(name="status")
def status_command() -> None:
    """The connector's state and its tasks'."""
    click.echo(json.dumps(status(_target()), indent=2))
