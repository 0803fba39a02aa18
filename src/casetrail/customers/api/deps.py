"""Dependencies of the directory's routes: the directory, its read model, the command
context (actor, If-Match), read-your-writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from casetrail.cases.api.published import current_actor
from casetrail.customers.queries import CustomerReadModel
from casetrail.customers.service.commands import DirectoryContext
from casetrail.customers.service.directory import CustomerDirectory
from casetrail.kernel.actor import Actor
from casetrail.platform.http.command_headers import ExpectedVersion
from casetrail.platform.http.read_your_writes import MIN_POSITION_HEADER, STALE_HEADER

# How long a query carrying a position waits for the customer list.
MAX_WAIT_SECONDS = 2.0


async def get_directory(request: Request) -> CustomerDirectory:
    directory: CustomerDirectory = request.app.state.customer_directory
    return directory


async def get_customer_read_model(request: Request) -> CustomerReadModel:
    read_model: CustomerReadModel = request.app.state.customer_read_model
    return read_model


async def directory_context(
    actor: Annotated[Actor, Depends(current_actor)], version: ExpectedVersion
) -> DirectoryContext:
    return DirectoryContext(actor=actor, expected_version=version)


async def wait_for_customers(
    read_model: Annotated[CustomerReadModel, Depends(get_customer_read_model)],
    response: Response,
    header_position: Annotated[
        int | None,
        Header(
            alias=MIN_POSITION_HEADER,
            ge=0,
            description="A command's X-Casetrail-Position: answer once the list includes it.",
        ),
    ] = None,
    min_position: Annotated[
        int | None, Query(ge=0, description=f"Same as the {MIN_POSITION_HEADER} header.")
    ] = None,
) -> None:
    wanted = max(header_position or 0, min_position or 0)
    if wanted and not await run_in_threadpool(read_model.wait_for, wanted, MAX_WAIT_SECONDS):
        response.headers[STALE_HEADER] = "true"


Directory = Annotated[CustomerDirectory, Depends(get_directory)]
CustomerReadModelDep = Annotated[CustomerReadModel, Depends(get_customer_read_model)]
Context = Annotated[DirectoryContext, Depends(directory_context)]
CUSTOMERS_FRESH = Depends(wait_for_customers)
