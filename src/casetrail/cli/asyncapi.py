from __future__ import annotations

import click

from casetrail.bootstrap.outbound import PUBLISHED_MESSAGE_TYPES
from casetrail.cases.outbound.asyncapi import asyncapi_yaml


@click.command()
def asyncapi() -> None:
    """Print the AsyncAPI document of the topics casetrail produces."""
    click.echo(asyncapi_yaml(PUBLISHED_MESSAGE_TYPES), nl=False)
