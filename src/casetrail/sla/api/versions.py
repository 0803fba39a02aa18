"""Versions of calendars and policies (ETag), and turning domain refusals into field errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from fastapi import Response

from casetrail.sla.domain.errors import InvalidDefinition

T = TypeVar("T")


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
