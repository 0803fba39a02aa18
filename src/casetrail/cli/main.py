from __future__ import annotations

import click

from casetrail import __version__
from casetrail.cli.asyncapi import asyncapi
from casetrail.cli.change_capture import change_capture
from casetrail.cli.commerce import commerce_schemas, generate_commerce, ingest
from casetrail.cli.consume import consume
from casetrail.cli.customers import customers
from casetrail.cli.errors import OneLineErrors
from casetrail.cli.projections import project, projections
from casetrail.cli.relay import relay
from casetrail.cli.scheduler import scheduler
from casetrail.cli.serve import serve
from casetrail.cli.stack import stack
from casetrail.cli.token import token


@click.group(cls=OneLineErrors)
@click.version_option(__version__, prog_name="casetrail")
def main() -> None:
    """casetrail: an event-sourced customer-support backend."""


main.add_command(serve)
main.add_command(relay)
main.add_command(change_capture)
main.add_command(asyncapi)
main.add_command(project)
main.add_command(scheduler)
main.add_command(projections)
main.add_command(stack)
main.add_command(consume)
main.add_command(ingest)
main.add_command(generate_commerce)
main.add_command(commerce_schemas)
main.add_command(token)
main.add_command(customers)
