"""A route only the timeline benchmark enables: one Redis GET of a constant through the same
HTTP stack as the timeline, the ceiling that cached timeline answers are compared with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response

from casetrail.platform.http.authentication import Authenticated

# Reads one key from the answer cache's Redis.
RawRead = Callable[[str], Awaitable[bytes | None]]

CONSTANT_KEY = "casetrail:benchmark:constant"

# Authenticated like the timeline it is compared with, so both pay for the token check.
router = APIRouter(include_in_schema=False, dependencies=[Authenticated])


@router.get("/_benchmark/redis-constant")
async def redis_constant(request: Request) -> Response:
    read: RawRead = request.app.state.benchmark_read
    value = await read(CONSTANT_KEY)
    return Response(value or b"null", media_type="application/json")
