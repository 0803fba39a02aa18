"""``GET /support/cases/{case_id}``: the case now, or as it stood at ``?as_of=``.

Another context may add to this answer (the timeline adds ``?includeTimeline=true``): it hands
a ``CaseDetailAddition`` to the cases wiring (``cases.wiring.cases_context``), which puts the
addition's query parameters beside the route's own, in the same OpenAPI operation, and lets it
answer instead when its parameters ask for it. The cases context knows nothing of what is added.
"""

# No ``from __future__ import annotations``: FastAPI reads the parameters of the route built
# below at run time, and the addition's parameters are only known then.

from collections.abc import Callable
from typing import Annotated, Any, Protocol
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime

from casetrail.cases.api.audience import shown
from casetrail.cases.api.case_views import case_read_from_row
from casetrail.cases.api.deps import Desk
from casetrail.cases.api.known_customers import case_with_directory
from casetrail.cases.api.query_deps import ReadModelDep, wait_for_position
from casetrail.cases.api.routes_cases import case_read
from casetrail.cases.api.schemas import CaseRead
from casetrail.cases.api.visibility import VisibleReferencedCase
from casetrail.cases.queries import CASE_LIST, ReadModel
from casetrail.cases.service.desk import SupportDesk
from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.permissions import READS_CASES, ReadsCases
from casetrail.platform.http.principals import Principal
from casetrail.platform.http.problems import PROBLEMS


class CaseDetailAddition(Protocol):
    """What another context adds to ``GET /support/cases/{case_id}``."""

    @property
    def response_model(self) -> Any:
        """The schema of the answer it gives (documented beside ``CaseRead``)."""

    @property
    def parameters(self) -> Callable[..., Any]:
        """A FastAPI dependency: the query parameters it adds, parsed."""

    async def answer(
        self,
        parameters: Any,
        case: "CaseAsked",
    ) -> Response | None:
        """Its answer when ``parameters`` ask for it; None to answer the case as usual."""


class CaseAsked:
    """The request for one case, as an addition sees it."""

    def __init__(
        self,
        case_id: UUID,
        principal: Principal,
        as_of: AwareDatetime | None,
        request: Request,
        read_model: ReadModel,
        desk: SupportDesk,
    ) -> None:
        self.case_id = case_id
        self.principal = principal
        self.as_of = as_of
        self.request = request
        self.read_model = read_model
        self.desk = desk

    def completed(self, case: CaseRead) -> CaseRead:
        """The case as the route shows it to this caller (with its customer's name and
        tier when the directory knows them): for an addition that answers with the case."""
        return case_with_directory(self.request, self.principal, case)


def _nothing_added() -> None:
    return None


def case_detail_router(addition: CaseDetailAddition | None = None) -> APIRouter:
    router = APIRouter(
        prefix="/support/cases", tags=["cases"], responses=PROBLEMS, dependencies=[Authenticated]
    )
    added_parameters = _nothing_added if addition is None else addition.parameters
    response_model: Any = CaseRead if addition is None else CaseRead | addition.response_model

    @router.get(
        "/{case_id}",
        response_model=response_model,
        # Fresh before the case is resolved: a number is looked up in the case list.
        dependencies=[READS_CASES, Depends(wait_for_position(CASE_LIST))],
        summary="One case, by its id or its number (CS-000123)",
    )
    async def get_case(
        case_id: VisibleReferencedCase,
        principal: ReadsCases,
        read_model: ReadModelDep,
        desk: Desk,
        request: Request,
        response: Response,
        added: Annotated[Any, Depends(added_parameters)],
        as_of: Annotated[
            AwareDatetime | None,
            Query(description="RFC 3339 time: the case as it stood at that moment."),
        ] = None,
    ) -> CaseRead | Response:
        if addition is not None:
            asked = CaseAsked(case_id, principal, as_of, request, read_model, desk)
            answered = await addition.answer(added, asked)
            if answered is not None:
                return answered
        case = await run_in_threadpool(case_now, case_id, read_model, desk, response, as_of)
        case = await run_in_threadpool(case_with_directory, request, principal, case)
        return shown(principal, case)

    return router


def case_now(
    case_id: UUID,
    read_model: ReadModel,
    desk: SupportDesk,
    response: Response,
    as_of: AwareDatetime | None,
) -> CaseRead:
    if as_of is not None:
        ticket = desk.get_case_as_of(case_id, as_of)
        response.headers["ETag"] = f'"{ticket.version}"'
        return case_read(ticket)
    row = read_model.get_case(case_id)
    if row is None:
        # Not projected yet (or not at all): the event store knows, and 404s if need be.
        ticket = desk.get_case(case_id)
        response.headers["ETag"] = f'"{ticket.version}"'
        return case_read(ticket)
    response.headers["ETag"] = f'"{row.version}"'
    return case_read_from_row(row)
