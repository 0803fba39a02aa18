"""Dependencies of the case routes: the desk, the command context (actor, If-Match,
Idempotency-Key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from casetrail.cases.service.commands import CommandContext
from casetrail.cases.service.desk import SupportDesk
from casetrail.kernel.actor import Actor
from casetrail.platform.http.authentication import CurrentPrincipal
from casetrail.platform.http.command_headers import CommandHeadersDep


# Dependencies without I/O are async: FastAPI runs sync ones on a worker thread, a hop that
# costs more than they do on hot read paths (cached timelines).
async def get_desk(request: Request) -> SupportDesk:
    desk: SupportDesk = request.app.state.desk
    return desk


async def current_actor(principal: CurrentPrincipal) -> Actor:
    """Who the event store records as having issued a command: the token's subject and role."""
    return principal.actor


async def command_context(
    actor: Annotated[Actor, Depends(current_actor)], headers: CommandHeadersDep
) -> CommandContext:
    # The desk keys an idempotency record by the caller (role and subject) and the key.
    return CommandContext(actor=actor, **headers.as_fields())


Desk = Annotated[SupportDesk, Depends(get_desk)]
Context = Annotated[CommandContext, Depends(command_context)]
