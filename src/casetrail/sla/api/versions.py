"""If-Match on calendars and policies, and turning domain refusals into field errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

from fastapi import Header, Response

from casetrail.platform.http.problems import ApiProblem
from casetrail.sla.domain.errors import InvalidDefinition

_VERSION = re.compile(r'^(W/)?"?([0-9]{1,18})"?$')
T = TypeVar("T")


def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            description='The version the client last saw ("3"); a stale one is a 409.',
            json_schema_extra={"pattern": r'^(W/)?"?[0-9]{1,18}"?$'},
        ),
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    match = _VERSION.match(if_match.strip())
    if match is None:
        raise ApiProblem(
            400, "invalid-if-match", "Invalid If-Match header", f"not a version: {if_match!r}"
        )
    return int(match.group(2))


@contextmanager
def fields_under(prefix: str) -> Iterator[None]:
    """A definition refused by the domain names its field as the request has it."""
    try:
        yield
    except InvalidDefinition as error:
        raise error.under(prefix) from None


def checked(prefix: str, build: Callable[[], T]) -> T:
    with fields_under(prefix):
        return build()


def tag_version(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'
