"""Departments: create, read, list, change, the audit trail, and the cases routed to one."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime

from casetrail.agents.api.deps import DIRECTORY_FRESH, ContextDep, DirectoryDep, ReaderDep
from casetrail.agents.api.schemas import (
    DepartmentCreate,
    DepartmentPage,
    DepartmentRead,
    DepartmentUpdate,
    DirectoryHistory,
)
from casetrail.agents.api.views import (
    department_read,
    department_read_from_row,
    describe,
    history_read,
)
from casetrail.agents.service.commands import ChangeDepartment, CreateDepartment
from casetrail.cases.api.published import (
    CasePage,
    PageParams,
    ReadModelDep,
    case_filter,
    case_page,
    wait_for_position,
)
from casetrail.cases.published import CASE_LIST, CaseFilter
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
from casetrail.platform.http.permissions import (
    MANAGES_DIRECTORY,
    READS_DIRECTORY,
    READS_INTERNALS,
    ReadsInternals,
)
from casetrail.platform.http.problems import PROBLEMS

router = APIRouter(
    prefix="/support/departments",
    tags=["departments"],
    responses=PROBLEMS,
    dependencies=[Authenticated],
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DepartmentRead,
    dependencies=[MANAGES_DIRECTORY],
)
def create_department(
    body: DepartmentCreate, directory: DirectoryDep, context: ContextDep, response: Response
) -> DepartmentRead:
    result = directory.create_department(
        CreateDepartment(name=body.name, description=body.description), context
    )
    describe(response, result)
    response.headers["Location"] = f"/support/departments/{result.id}"
    return department_read(directory.get_department(UUID(result.id)))


@router.get(
    "",
    response_model=DepartmentPage,
    dependencies=[READS_DIRECTORY, DIRECTORY_FRESH],
    summary="List departments by name, cursor pages",
)
def list_departments(
    reader: ReaderDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_CURSOR_LENGTH,
            description=CURSOR_DESCRIPTION,
            json_schema_extra={"pattern": CURSOR_PATTERN},
        ),
    ] = None,
) -> DepartmentPage:
    after = None
    if cursor is not None:
        try:
            name, department_id = decode_cursor(cursor, "departments", "name")
        except (InvalidCursor, ValueError) as error:
            invalid_parameter("cursor", str(error))
        if not isinstance(name, str) or not isinstance(department_id, str):
            invalid_parameter("cursor", "the cursor is not one this API issued")
        after = (name, department_id)
    page = reader.list_departments(limit, after)
    return DepartmentPage(
        items=[department_read_from_row(row) for row in page.rows],
        next_cursor=None
        if page.next_after is None
        else encode_cursor("departments", "name", list(page.next_after)),
        limit=limit,
    )


@router.get("/{department_id}", response_model=DepartmentRead, dependencies=[READS_DIRECTORY])
async def get_department(
    department_id: UUID,
    directory: DirectoryDep,
    response: Response,
    as_of: Annotated[
        AwareDatetime | None,
        Query(description="RFC 3339 time: the department as it was then."),
    ] = None,
) -> DepartmentRead:
    department = await run_in_threadpool(directory.get_department, department_id, as_of)
    response.headers["ETag"] = f'"{department.version}"'
    return department_read(department)


@router.patch("/{department_id}", response_model=DepartmentRead, dependencies=[MANAGES_DIRECTORY])
def change_department(
    department_id: UUID,
    body: DepartmentUpdate,
    directory: DirectoryDep,
    context: ContextDep,
    response: Response,
) -> DepartmentRead:
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None:
            invalid_parameter(name, f"{name} cannot be null: leave it out to keep it", "body")
    result = directory.change_department(ChangeDepartment(department_id, changes), context)
    describe(response, result)
    return department_read(directory.get_department(department_id))


@router.get(
    "/{department_id}/history", response_model=DirectoryHistory, dependencies=[READS_DIRECTORY]
)
def department_history(department_id: UUID, directory: DirectoryDep) -> DirectoryHistory:
    return history_read(str(department_id), directory.department_history(department_id))


@router.get(
    "/{department_id}/cases",
    response_model=CasePage,
    response_model_exclude_unset=True,
    dependencies=[READS_INTERNALS, Depends(wait_for_position(CASE_LIST))],
    summary="The cases routed to a department: the case list's filters, sorts and pages",
)
def department_cases(
    request: Request,
    department_id: UUID,
    directory: DirectoryDep,
    read_model: ReadModelDep,
    principal: ReadsInternals,
    wanted: Annotated[CaseFilter, Depends(case_filter)],
    page: Annotated[PageParams, Depends()],
) -> CasePage:
    directory.get_department(department_id)  # 404 for a department that does not exist
    return case_page(
        read_model, replace(wanted, department_id=str(department_id)), page, principal, request
    )
