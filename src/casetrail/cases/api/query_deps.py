"""Dependencies of the query routes: the read model, its options, read-your-writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from casetrail.cases.queries import ReadModel
from casetrail.platform.http.parameters import invalid_parameter
from casetrail.platform.http.read_your_writes import MIN_POSITION_HEADER, STALE_HEADER


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ReadOptions:
    # How long a query carrying a position waits for the projections before answering
    # with what they have (and the stale header).
    max_wait_seconds: float = 2.0
    # The capacity of an agent the directory does not know (or when there is no directory).
    agent_capacity: int = 20
    clock: Callable[[], datetime] = field(default=utc_now)
    # Each agent's own capacity, from whoever keeps the directory (None: not known there).
    capacity_of: Callable[[str], int | None] | None = None

    def capacity(self, agent_id: str) -> int:
        own = self.capacity_of(agent_id) if self.capacity_of is not None else None
        return own if own is not None else self.agent_capacity


# Dependencies that do no I/O are async: FastAPI runs sync ones on a worker thread, a hop
# that costs more than the work on the hot read paths (cached timelines).
async def get_read_model(request: Request) -> ReadModel:
    read_model: ReadModel = request.app.state.read_model
    return read_model


async def get_read_options(request: Request) -> ReadOptions:
    options: ReadOptions = request.app.state.read_options
    return options


ReadModelDep = Annotated[ReadModel, Depends(get_read_model)]
ReadOptionsDep = Annotated[ReadOptions, Depends(get_read_options)]


def parse_choices(
    name: str, values: Sequence[str] | None, choices: type[StrEnum]
) -> tuple[str, ...]:
    """Values given as repeated parameters and/or comma-separated lists, each checked."""
    items = [part.strip() for value in values or () for part in value.split(",") if part.strip()]
    allowed = [choice.value for choice in choices]
    unknown = [item for item in items if item not in allowed]
    if unknown:
        listed = ", ".join(map(repr, unknown))
        invalid_parameter(name, f"unknown {name} {listed}: choose from {', '.join(allowed)}")
    return tuple(dict.fromkeys(items))


def wait_for_position(*projections: str) -> Callable[..., Awaitable[None]]:
    """A dependency: if the client sent a command's position back, wait (bounded) until
    ``projections`` have applied it. On timeout the answer says it is stale."""

    async def wait(
        read_model: ReadModelDep,
        options: ReadOptionsDep,
        response: Response,
        header_position: Annotated[
            int | None,
            Header(
                alias=MIN_POSITION_HEADER,
                ge=0,
                description="A command's X-Casetrail-Position: answer only once the read "
                "model includes that command (waits up to 2 s).",
            ),
        ] = None,
        min_position: Annotated[
            int | None, Query(ge=0, description=f"Same as the {MIN_POSITION_HEADER} header.")
        ] = None,
    ) -> None:
        wanted = max(header_position or 0, min_position or 0)
        # Only a caller with a position waits, on a worker thread (the wait blocks).
        if wanted and not await run_in_threadpool(
            read_model.wait_for, wanted, projections, options.max_wait_seconds
        ):
            response.headers[STALE_HEADER] = "true"

    return wait
