"""Case queries, answered from the read models: lists, one case, its conversation.

``?as_of=`` time travel is the exception: it folds the case's own events up to that time.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from casetrail.cases.api.audience import shown_messages
from casetrail.cases.api.case_list_params import (
    IdParam,
    PageParams,
    case_filter,
)
from casetrail.cases.api.case_pages import case_page
from casetrail.cases.api.case_views import (
    message_read_from_row,
)
from casetrail.cases.api.deps import Desk
from casetrail.cases.api.query_deps import ReadModelDep, wait_for_position
from casetrail.cases.api.query_schemas import CasePage
from casetrail.cases.api.schemas import MessagePage
from casetrail.cases.api.visibility import VISIBLE_CASE
from casetrail.cases.queries import CASE_LIST, CASE_MESSAGES, CaseFilter
from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.cursors import (
    CURSOR_DESCRIPTION,
    CURSOR_PATTERN,
    MAX_CURSOR_LENGTH,
    InvalidCursor,
    decode_cursor,
    encode_cursor,
)
from casetrail.platform.http.parameters import invalid_parameter
from casetrail.platform.http.permissions import READS_CASES, ReadsCases
from casetrail.platform.http.problems import PROBLEMS
from casetrail.platform.http.read_your_writes import STALE_HEADER

router = APIRouter(
    prefix="/support/cases", tags=["cases"], responses=PROBLEMS, dependencies=[Authenticated]
)

CaseListFresh = Depends(wait_for_position(CASE_LIST))
MessagesFresh = Depends(wait_for_position(CASE_MESSAGES, CASE_LIST))


@router.get(
    "",
    response_model=CasePage,
    response_model_exclude_unset=True,
    dependencies=[READS_CASES, CaseListFresh],
    summary="List cases: filters, sorts, cursor pagination, partial responses",
)
def list_cases(
    request: Request,
    read_model: ReadModelDep,
    principal: ReadsCases,
    wanted: Annotated[CaseFilter, Depends(case_filter)],
    page: Annotated[PageParams, Depends()],
    customer_id: IdParam = None,
    agent_id: Annotated[
        str | None, Query(min_length=1, max_length=128, description="Cases assigned to this agent.")
    ] = None,
    department_id: Annotated[
        str | None,
        Query(min_length=1, max_length=128, description="Cases routed to this department."),
    ] = None,
) -> CasePage:
    if agent_id is not None and wanted.unassigned:
        invalid_parameter("unassigned", "unassigned=true and agent_id exclude each other")
    wanted = replace(
        wanted, customer_id=customer_id, assignee_id=agent_id, department_id=department_id
    )
    return case_page(read_model, wanted, page, principal, request)


@router.get(
    "/{case_id}/messages",
    response_model=MessagePage,
    dependencies=[READS_CASES, VISIBLE_CASE, MessagesFresh],
)
def list_messages(
    case_id: UUID,
    principal: ReadsCases,
    read_model: ReadModelDep,
    desk: Desk,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_CURSOR_LENGTH,
            description=CURSOR_DESCRIPTION,
            json_schema_extra={"pattern": CURSOR_PATTERN},
        ),
    ] = None,
) -> MessagePage:
    after = 0
    if cursor is not None:
        after = _message_position(cursor, case_id)
    if read_model.get_case(case_id) is None:
        desk.get_case(case_id)  # 404 if there is no such case
        response.headers[STALE_HEADER] = "true"  # the case is not projected yet
    rows = read_model.messages(case_id, after, limit + 1)
    page = [message_read_from_row(case_id, row) for row in rows[:limit]]
    next_cursor = (
        encode_cursor("messages", str(case_id), [page[-1].position]) if len(rows) > limit else None
    )
    # Notes are dropped after paging, so a page for customers may hold fewer than `limit`.
    return MessagePage(items=shown_messages(principal, page), next_cursor=next_cursor)


def _message_position(cursor: str, case_id: UUID) -> int:
    try:
        key = decode_cursor(cursor, "messages", str(case_id))
    except InvalidCursor as error:
        invalid_parameter("cursor", str(error))
    if len(key) != 1 or type(key[0]) is not int or key[0] < 0:
        invalid_parameter("cursor", "the cursor is not one this API issued")
    return int(key[0])
