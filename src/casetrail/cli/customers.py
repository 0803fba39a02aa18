"""``casetrail customers erase ID``: crypto-shred a customer's personal data."""

from __future__ import annotations

import getpass

import click

from casetrail.bootstrap.event_store import utc_now
from casetrail.cli.projections import attached
from casetrail.kernel.actor import Actor
from casetrail.privacy.erasure import erasure_for
from casetrail.privacy.erasure_command import EraseCustomer


@click.group()
def customers() -> None:
    """A customer's personal data."""


@customers.command()
@click.argument("customer_id")
@click.option("--reason", required=True, help="Why (e.g. the request's reference); logged.")
@click.option(
    "--by", "requested_by", default=None, help="Who asked for it (default: your login name)."
)
def erase(customer_id: str, reason: str, requested_by: str | None) -> None:
    """Destroy CUSTOMER_ID's key: the personal fields of their events (subjects,
    descriptions, messages, notes, attachments, reasons, order and external references,
    tags) read as erased from then on. Events are kept; the read models (every version),
    idempotency records and shared (Redis) timeline cache drop their copies at once."""
    if not customer_id.strip() or len(customer_id) > 128:
        raise click.ClickException("CUSTOMER_ID must be 1 to 128 characters")
    actor = Actor(subject=requested_by or getpass.getuser(), role="OPERATOR")
    with attached() as session:
        erasure = erasure_for(session.core.desk, utc_now, timeline=session.timeline)
        if erasure is None:
            raise click.ClickException("this event store keeps no customer keys")
        receipt = erasure.erase(EraseCustomer(customer_id, reason), actor)
    existed = "key destroyed" if receipt.key_existed else "no key existed; none will be made"
    click.echo(
        f"customer {customer_id}: erased at {receipt.erased_at.isoformat()} by "
        f"{actor.subject} ({existed}); read models and caches rewritten"
    )
