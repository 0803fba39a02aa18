"""``casetrail token``: a development access token, as an identity provider would issue one."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from pydantic import ValidationError

from casetrail.bootstrap.authentication import token_policy
from casetrail.bootstrap.settings import Environment, Settings
from casetrail.platform.http.principals import Role, Scope
from casetrail.platform.http.tokens import mint_token


@click.command()
@click.option(
    "--role", required=True, type=click.Choice([role.value for role in Role], case_sensitive=False)
)
@click.option("--sub", "subject", required=True, help="The subject: agent id, customer id, client.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice([scope.value for scope in Scope]),
    help="A SERVICE client's scope (repeatable).",
)
@click.option("--customer", "customer_id", help="The customer a CUSTOMER token speaks for.")
def token(role: str, subject: str, scopes: tuple[str, ...], customer_id: str | None) -> None:
    """Print a development access token (1 h). Refused outside development mode."""
    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        raise click.ClickException(f"invalid settings: {first['msg']}") from None
    if settings.environment is not Environment.DEVELOPMENT:
        raise click.ClickException(
            "tokens are minted only in development mode; production tokens come from "
            "the identity provider"
        )
    policy = token_policy(settings)
    if policy.secret is None:
        raise click.ClickException("CASETRAIL_JWT_JWKS_URL is set: tokens come from its provider")
    click.echo(
        mint_token(
            policy,
            role=Role(role.upper()),
            subject=subject,
            now=datetime.now(UTC),
            scopes=scopes,
            customer_id=customer_id,
        )
    )
