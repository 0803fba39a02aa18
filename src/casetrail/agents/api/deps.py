"""Dependencies of the directory's routes: the directory, its read model, the command
context (actor, If-Match, Idempotency-Key) and who may touch whose presence."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated

from fastapi import Depends, Header, Request

from casetrail.agents.queries import AGENT_DIRECTORY, DirectoryReader
from casetrail.agents.service.commands import DirectoryContext
from casetrail.agents.service.directory import Directory
from casetrail.cases.api.published import current_actor, wait_for_position
from casetrail.kernel.actor import Actor
from casetrail.platform.http.permissions import forbidden
from casetrail.platform.http.principals import Principal, Role
from casetrail.platform.http.problems import ApiProblem

_VERSION_TAG = re.compile(r"[0-9]{1,18}")
IF_MATCH_PATTERN = r'^(W/)?"?[0-9]{1,18}"?$'


async def get_directory(request: Request) -> Directory:
    directory: Directory = request.app.state.directory
    return directory


async def get_directory_reader(request: Request) -> DirectoryReader:
    reader: DirectoryReader = request.app.state.directory_reader
    return reader


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    if _VERSION_TAG.fullmatch(tag) is None:
        raise ApiProblem(
            400,
            "invalid-if-match",
            "Invalid If-Match header",
            f'If-Match must be a version such as "3", not {value!r}',
        )
    return int(tag)


async def directory_context(
    request: Request,
    actor: Annotated[Actor, Depends(current_actor)],
    if_match: Annotated[
        str | None,
        Header(
            description='The version the client saw, as its ETag gives it ("3");'
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
) -> DirectoryContext:
    fingerprint = ""
    if idempotency_key is not None:
        digest = hashlib.sha256()
        for part in (request.method.encode(), request.url.path.encode(), await request.body()):
            digest.update(part)
            digest.update(b"\0")
        fingerprint = digest.hexdigest()
    return DirectoryContext(
        actor=actor,
        expected_version=parse_if_match(if_match),
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
    )


def own_presence(principal: Principal, agent_id: str) -> None:
    """An agent changes its own presence only; supervisors (and managing services) anyone's."""
    if principal.role is Role.AGENT and principal.subject != agent_id:
        raise forbidden("agents change their own presence only; supervisors change anyone's")


DirectoryDep = Annotated[Directory, Depends(get_directory)]
ReaderDep = Annotated[DirectoryReader, Depends(get_directory_reader)]
ContextDep = Annotated[DirectoryContext, Depends(directory_context)]
# Lists read the read model: a command's position sent back makes them wait for it.
DIRECTORY_FRESH = Depends(wait_for_position(AGENT_DIRECTORY))
