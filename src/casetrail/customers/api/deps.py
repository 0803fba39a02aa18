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
from casetrail.platform.http.problems import ApiProblem
from casetrail.platform.http.read_your_writes import MIN_POSITION_HEADER, STALE_HEADER

IF_MATCH_PATTERN = r'^(W/)?"?[0-9]{1,18}"?$'
# How long a query carrying a position waits for the customer list.
MAX_WAIT_SECONDS = 2.0


async def get_directory(request: Request) -> CustomerDirectory:
    directory: CustomerDirectory = request.app.state.customer_directory
    return directory


async def get_customer_read_model(request: Request) -> CustomerReadModel:
    read_model: CustomerReadModel = request.app.state.customer_read_model
    return read_model


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit() and len(tag) <= 18):
        raise ApiProblem(
            400,
            "invalid-if-match",
            "Invalid If-Match header",
            f'If-Match must be a customer version such as "3", not {value!r}',
        )
    return int(tag)


async def directory_context(
    actor: Annotated[Actor, Depends(current_actor)],
    if_match: Annotated[
        str | None,
        Header(
            description='The customer version the client saw, as its ETag gives it ("3").',
            json_schema_extra={"pattern": IF_MATCH_PATTERN},
        ),
    ] = None,
) -> DirectoryContext:
    return DirectoryContext(actor=actor, expected_version=parse_if_match(if_match))


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
