"""Every error leaves as ``application/problem+json`` (RFC 9457); bad input never gets a 500."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from casetrail.kernel.errors import CasetrailError
from casetrail.platform.http.allowed_methods import allowed_methods

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "urn:casetrail:problem:"


class FieldError(BaseModel):
    field: str
    message: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    current_status: str | None = None
    current_version: int | None = None


# The problems any route may answer with, for the OpenAPI document of a router.
PROBLEMS: dict[int | str, dict[str, object]] = {
    code: {"model": Problem, "content": {PROBLEM_JSON: {}}}
    for code in (400, 401, 403, 404, 409, 413, 422, 429, 503)
}

logger = logging.getLogger(__name__)


class ApiProblem(Exception):
    """Raised by routes for errors that are neither validation nor domain errors."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = headers


def problem_response(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    problem = Problem(
        type=PROBLEM_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        **extra,
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def field_errors(errors: Sequence[Any]) -> list[FieldError]:
    return [
        FieldError(
            field=".".join(str(part) for part in error.get("loc", ())),
            message=str(error.get("msg", "invalid")),
            type=str(error.get("type", "invalid")),
        )
        for error in errors
    ]


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = field_errors(error.errors())
        if any(item.type == "json_invalid" for item in errors):
            return problem_response(
                request,
                400,
                "malformed-json",
                "Malformed JSON body",
                detail="the request body is not valid JSON",
                errors=errors,
            )
        return problem_response(
            request,
            422,
            "validation",
            "Invalid request",
            detail="; ".join(f"{item.field}: {item.message}" for item in errors),
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "http-error")
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return problem_response(
            request, error.status_code, slug, str(error.detail), headers=headers
        )

    @app.exception_handler(ApiProblem)
    async def api_problem(request: Request, error: ApiProblem) -> JSONResponse:
        return problem_response(
            request, error.status, error.slug, error.title, error.detail, headers=error.headers
        )

    @app.exception_handler(CasetrailError)
    async def refused(request: Request, error: CasetrailError) -> JSONResponse:
        return problem_response(
            request,
            error.status,
            error.slug,
            error.title,
            str(error),
            headers=dict(error.headers) or None,
            **error.problem_fields(),
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
        logger.warning("database unavailable: %s", error)
        return problem_response(
            request,
            503,
            "database-unavailable",
            "The event store is unavailable",
            "nothing was recorded; retry shortly",
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, _error: Exception) -> JSONResponse:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "internal", "Internal error")
