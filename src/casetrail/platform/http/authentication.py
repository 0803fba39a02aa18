"""Bearer authentication and the per-client rate limit, as one route dependency.

Routers declare it (``dependencies=[Authenticated]`` or a role alias from ``permissions``);
health, metrics and the API docs do not, and stay open.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casetrail.platform.http.principals import Principal
from casetrail.platform.http.problems import ApiProblem
from casetrail.platform.http.rate_limits import (
    MemoryRateLimiter,
    RateDecision,
    RateLimiter,
    RateLimits,
)
from casetrail.platform.http.tokens import InvalidToken, TokenVerifier

REALM = "casetrail"
MAX_TOKEN_LENGTH = 8_192

# Declares the scheme in the OpenAPI of every route that authenticates; the header itself is
# checked below, with this API's own problems (the declaration never refuses anything).
BEARER_JWT = HTTPBearer(
    scheme_name="bearerJWT",
    bearerFormat="JWT",
    description="An access token from the identity provider (`casetrail token` in development).",
    auto_error=False,
)

logger = logging.getLogger(__name__)


@dataclass
class Authentication:
    verifier: TokenVerifier = field(default_factory=TokenVerifier.development)
    limiter: RateLimiter = field(default_factory=MemoryRateLimiter)
    limits: RateLimits = field(default_factory=RateLimits)
    clock: Callable[[], float] = time.time


def unauthenticated(reason: str, error: str | None = "invalid_token") -> ApiProblem:
    challenge = f'Bearer realm="{REALM}"'
    if error is not None:
        # RFC 6750 §3: no error code when the request carried no credentials at all.
        challenge += f', error="{error}", error_description="{reason}"'
    return ApiProblem(
        401, "unauthenticated", "Authentication required", reason, {"WWW-Authenticate": challenge}
    )


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if header is None:
        raise unauthenticated("send an access token: Authorization: Bearer <token>", None)
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthenticated(
            "the Authorization header must be 'Bearer <token>'", "invalid_request"
        )
    if len(token) > MAX_TOKEN_LENGTH:
        raise unauthenticated("the token is too long")
    return token


def authenticated(
    request: Request,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER_JWT)],
) -> Principal:
    """The verified caller, counted against its rate limit (FastAPI runs this once a request).

    A request whose credentials fail is counted too, against its client address: guessing
    tokens (or a client stuck with an expired one) gets 429s like any other flood."""
    auth: Authentication = request.app.state.authentication
    try:
        principal = auth.verifier.verify(bearer_token(request))
    except (InvalidToken, ApiProblem) as error:
        refusal = error if isinstance(error, ApiProblem) else unauthenticated(str(error))
        _limit(request, _count(auth, address_key(request), auth.limits.per_minute))
        raise refusal from None
    request.state.principal = principal  # for the request's log line
    _limit(request, _count(auth, principal.client_key, auth.limits.for_role(principal.role.value)))
    return principal


def address_key(request: Request) -> str:
    """The rate limit's unit for callers without valid credentials (no role has this form)."""
    host = request.client.host if request.client is not None else "unknown"
    return f"address:{host}"


def _limit(request: Request, decision: RateDecision | None) -> None:
    if decision is None:
        return
    request.state.rate_limit = decision
    if not decision.allowed:
        raise ApiProblem(
            429,
            "rate-limited",
            "Too many requests",
            f"at most {decision.limit} requests a minute; retry in {decision.reset_seconds} s",
            {"Retry-After": str(decision.reset_seconds)},
        )


def _count(auth: Authentication, client: str, limit: int) -> RateDecision | None:
    try:
        return auth.limiter.hit(client, limit, auth.clock())
    except Exception as error:
        # A limiter that cannot count (Redis away) must not take the API down with it.
        logger.warning("rate limiter unavailable, request let through: %s", error)
        return None


class RateLimitHeaders:
    """Adds the RateLimit-* headers of the request's decision to whatever response leaves
    (routes that build their own Response included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state: MutableMapping[str, Any] = scope.get("state") or {}
                decision = state.get("rate_limit")
                if isinstance(decision, RateDecision):
                    headers = list(message.get("headers", []))
                    headers += [
                        (name.lower().encode(), value.encode())
                        for name, value in decision.headers().items()
                    ]
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# The verified caller. Routers put ``Depends(authenticated)`` (or a role alias from
# ``permissions``) in their dependencies; FastAPI verifies the token once per request.
CurrentPrincipal = Annotated[Principal, Depends(authenticated)]
Authenticated = Depends(authenticated)
