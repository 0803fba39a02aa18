"""The CLI's one error formatter: what a user can fix is one line on stderr and exit 1.

Every subcommand runs inside :class:`OneLineErrors`, so invalid settings, an unreachable or
unusable database, a data directory that cannot be written and an address the server cannot
listen on never reach the user as a traceback. Anything else is a defect and keeps its
traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click
from pydantic import ValidationError

from casetrail.bootstrap.event_store import StartupError
from casetrail.bootstrap.settings import Settings
from casetrail.bootstrap.settings_sources import variable_of
from casetrail.platform.embedded_postgres import LocalPostgresError
from casetrail.platform.http.listener import CannotListen

# Values never repeated in a message: URLs may carry passwords.
SECRET_FIELDS = ("secret", "password", "url")


def invalid_settings(error: ValidationError, options: Mapping[str, str] | None = None) -> str:
    """``CASETRAIL_PORT: Input should be ... (got 'abc')``, one per problem, on one line.

    ``options`` names the command-line option that set a variable (``{"port": "--port"}``,
    by the variable's name without its prefix)."""
    problems = []
    for problem in error.errors():
        location = problem["loc"]
        variable = variable_of(Settings, location) if location else ""
        field = variable.removeprefix("CASETRAIL_").lower()
        if field:
            name = (options or {}).get(field) or variable
            shown = _scalar(problem["input"]) and not any(
                secret in field for secret in SECRET_FIELDS
            )
            got = f" (got {problem['input']!r})" if shown else ""
        message = str(problem["msg"]).removeprefix("Value error, ")
        # A rule across fields has no field of its own: its message names them.
        problems.append(f"{name}: {message}{got}" if field else message)
    return "invalid settings: " + "; ".join(problems)


def load_settings(options: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """The settings from the environment, with a command's options on top."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise click.ClickException(invalid_settings(error, options)) from None


def first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


class OneLineErrors(click.Group):
    """A command group that reports the errors a user can fix as one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ValidationError as error:
            if error.title != Settings.__name__:
                raise
            raise click.ClickException(invalid_settings(error)) from None
        except (StartupError, CannotListen, LocalPostgresError) as error:
            raise click.ClickException(first_line(error)) from None


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)
