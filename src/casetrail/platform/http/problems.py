"""Every error leaves as ``application/problem+json`` (RFC 9457); bad input never gets a 500."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from casetrail.cases.api.schemas import FieldError, Problem
from casetrail.cases.domain.errors import (
    CaseIsClosed,
    CaseLimitReached,
    CaseNotAssigned,
    DomainError,
    InvalidTransition,
)
from casetrail.cases.service.results import (
    CaseNotFound,
    IdempotencyKeyReused,
    TooMuchContention,
    VersionConflict,
)
from casetrail.platform.http.allowed_methods import allowed_methods
from casetrail.privacy.erasure_command import CustomerErased

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "urn:casetrail:problem:"

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

    @app.exception_handler(CaseNotFound)
    async def case_not_found(request: Request, error: CaseNotFound) -> JSONResponse:
        return problem_response(request, 404, "case-not-found", "Case not found", str(error))

    @app.exception_handler(VersionConflict)
    async def version_conflict(request: Request, error: VersionConflict) -> JSONResponse:
        return problem_response(
            request,
            409,
            "version-conflict",
            "The case has changed",
            str(error),
            current_version=error.actual,
        )

    @app.exception_handler(IdempotencyKeyReused)
    async def key_reused(request: Request, error: IdempotencyKeyReused) -> JSONResponse:
        return problem_response(
            request, 422, "idempotency-key-reused", "Idempotency-Key reused", str(error)
        )

    @app.exception_handler(TooMuchContention)
    async def contention(request: Request, error: TooMuchContention) -> JSONResponse:
        return problem_response(
            request,
            409,
            "contention",
            "Too many concurrent changes",
            str(error),
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(DomainError)
    async def rule_broken(request: Request, error: DomainError) -> JSONResponse:
        current = None
        if isinstance(error, InvalidTransition | CaseIsClosed):
            current = error.current
        slug = {
            InvalidTransition: "invalid-transition",
            CaseIsClosed: "case-closed",
            CaseNotAssigned: "case-not-assigned",
            CaseLimitReached: "case-limit-reached",
        }.get(type(error), "rule-broken")
        return problem_response(
            request, 409, slug, "The case does not allow this", str(error), current_status=current
        )

    @app.exception_handler(CustomerErased)
    async def customer_erased(request: Request, error: CustomerErased) -> JSONResponse:
        return problem_response(
            request, 409, "customer-erased", "The customer's data has been erased", str(error)
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
