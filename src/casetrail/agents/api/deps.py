"""Dependencies of the directory's routes: the directory, its read model, the command
context (actor, If-Match, Idempotency-Key) and who may touch whose presence."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from casetrail.agents.queries import AGENT_DIRECTORY, DirectoryReader
from casetrail.agents.service.commands import DirectoryContext
from casetrail.agents.service.directory import Directory
from casetrail.cases.api.published import current_actor, wait_for_position
from casetrail.kernel.actor import Actor
from casetrail.platform.http.command_headers import CommandHeadersDep
from casetrail.platform.http.permissions import forbidden
from casetrail.platform.http.principals import Principal, Role


async def get_directory(request: Request) -> Directory:
    directory: Directory = request.app.state.directory
    return directory


async def get_directory_reader(request: Request) -> DirectoryReader:
    reader: DirectoryReader = request.app.state.directory_reader
    return reader


async def directory_context(
    actor: Annotated[Actor, Depends(current_actor)], headers: CommandHeadersDep
) -> DirectoryContext:
    return DirectoryContext(actor=actor, **headers.as_fields())


def own_presence(principal: Principal, agent_id: str) -> None:
    """An agent changes its own presence only; supervisors (and managing services) anyone's."""
    if principal.role is Role.AGENT and principal.subject != agent_id:
        raise forbidden("agents change their own presence only; supervisors change anyone's")


DirectoryDep = Annotated[Directory, Depends(get_directory)]
ReaderDep = Annotated[DirectoryReader, Depends(get_directory_reader)]
ContextDep = Annotated[DirectoryContext, Depends(directory_context)]
# Lists read the read model: a command's position sent back makes them wait for it.
DIRECTORY_FRESH = Depends(wait_for_position(AGENT_DIRECTORY))
