"""A case named in a path by its id or by the number people read out (``CS-000123``)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool

from casetrail.cases.api.query_deps import ReadModelDep
from casetrail.cases.domain.values import CASE_NUMBER_PATTERN, parse_case_number
from casetrail.kernel.errors import NotFound
from casetrail.platform.http.request_log import note_for_log

_UUID = "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
CASE_REF_PATTERN = f"^(?:{_UUID}|{CASE_NUMBER_PATTERN.strip('^$')})$"


class CaseNumberNotFound(NotFound):
    slug = "case-not-found"
    title = "Case not found"

    def __init__(self, case_number: str) -> None:
        super().__init__(f"no case has the number {case_number}")


async def referenced_case(
    case_id: Annotated[
        str,
        Path(
            description="The case's id, or its number (`CS-000123`).",
            pattern=CASE_REF_PATTERN,
        ),
    ],
    read_model: ReadModelDep,
    request: Request,
) -> UUID:
    """The id of the case the path names. A number is looked up in the case list, so a
    case opened a moment ago is found once projected (send ``X-Casetrail-Min-Position``)."""
    number = parse_case_number(case_id)
    if number is None:
        return UUID(case_id)
    found = await run_in_threadpool(read_model.case_id_for_number, number)
    if found is None:
        raise CaseNumberNotFound(number)
    note_for_log(request, ticket_id=str(found), case_number=number)
    return found


ReferencedCase = Annotated[UUID, Depends(referenced_case)]
