"""Refusing a request parameter that passed FastAPI's own checks but not a route's."""

from __future__ import annotations

from typing import NoReturn

from fastapi.exceptions import RequestValidationError


def invalid_parameter(name: str, message: str, location: str = "query") -> NoReturn:
    """Refuse a parameter the way FastAPI refuses one: a 422 naming it."""
    raise RequestValidationError(
        [{"loc": (location, name), "msg": message, "type": "value_error", "input": None}]
    )
