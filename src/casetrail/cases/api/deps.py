"""Dependencies of the case routes: the desk, the command context (actor, If-Match,
Idempotency-Key)."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated

from fastapi import Depends, Header, Request

from casetrail.cases.service.commands import CommandContext
from casetrail.cases.service.desk import SupportDesk
from casetrail.kernel.actor import Actor
from casetrail.platform.http.authentication import CurrentPrincipal
from casetrail.platform.http.problems import ApiProblem


# Dependencies without I/O are async: FastAPI runs sync ones on a worker thread, a hop that
# costs more than they do on hot read paths (cached timelines).
async def get_desk(request: Request) -> SupportDesk:
    desk: SupportDesk = request.app.state.desk
    return desk


async def current_actor(principal: CurrentPrincipal) -> Actor:
    """Who the event store records as having issued a command: the token's subject and role."""
    return principal.actor


# A case version: ASCII digits only (``str.isdigit`` also takes "²"), and few enough that
# it fits the event store's bigint.
_VERSION_TAG = re.compile(r"[0-9]{1,18}")


# What the OpenAPI promises parse_if_match accepts (it also takes surrounding spaces).
IF_MATCH_PATTERN = r'^(W/)?"?[0-9]{1,18}"?$'


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    if _VERSION_TAG.fullmatch(tag) is None:
        raise ApiProblem(
            400,
            "invalid-if-match",
            "Invalid If-Match header",
            f'If-Match must be a case version such as "3", not {value!r}',
        )
    return int(tag)


async def command_context(
    request: Request,
    actor: Annotated[Actor, Depends(current_actor)],
    if_match: Annotated[
        str | None,
        Header(
            description='The case version the client saw, as its ETag gives it ("3");'
            " anything else is a 400.",
            json_schema_extra={"pattern": IF_MATCH_PATTERN},
        ),
    ] = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1, max_length=255, description="Repeat a request safely with the same key."
        ),
    ] = None,
) -> CommandContext:
    fingerprint = ""
    if idempotency_key is not None:
        body = await request.body()
        digest = hashlib.sha256()
        for part in (request.method.encode(), request.url.path.encode(), body):
            digest.update(part)
            digest.update(b"\0")
        fingerprint = digest.hexdigest()
    return CommandContext(
        actor=actor,
        expected_version=parse_if_match(if_match),
        # The desk keys its record by the caller (role and subject) and this key.
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
    )


Desk = Annotated[SupportDesk, Depends(get_desk)]
Context = Annotated[CommandContext, Depends(command_context)]
