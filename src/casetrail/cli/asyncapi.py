from __future__ import annotations

import click

from casetrail.cases.outbound.asyncapi import asyncapi_yaml


@click.command()
def asyncapi() -> None:
    """Print the AsyncAPI document of the topics casetrail produces."""
    click.echo(asyncapi_yaml(), nl=False)
