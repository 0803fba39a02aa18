"""A customer's case history, from the case list read model: theirs, and those of the
customers merged into them in the directory."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from casetrail.cases.api.case_list_params import PageParams, case_filter
from casetrail.cases.api.case_pages import case_page
from casetrail.cases.api.known_customers import known_customers
from casetrail.cases.api.query_deps import ReadModelDep, wait_for_position
from casetrail.cases.api.query_schemas import CasePage
from casetrail.cases.api.visibility import own_customer
from casetrail.cases.queries import CASE_LIST, CaseFilter
from casetrail.kernel.ids import MAX_ID
from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.permissions import READS_CASES, ReadsCases
from casetrail.platform.http.problems import PROBLEMS

router = APIRouter(
    prefix="/support/customers",
    tags=["customers"],
    responses=PROBLEMS,
    dependencies=[Authenticated],
)


@router.get(
    "/{customer_id}/cases",
    response_model=CasePage,
    response_model_exclude_unset=True,
    dependencies=[READS_CASES, Depends(wait_for_position(CASE_LIST))],
    summary="A customer's cases, with the same filters, sorts and pages as the case list",
)
def customer_cases(
    customer_id: Annotated[str, Path(min_length=1, max_length=MAX_ID)],
    read_model: ReadModelDep,
    wanted: Annotated[CaseFilter, Depends(case_filter)],
    page: Annotated[PageParams, Depends()],
    principal: ReadsCases,
    request: Request,
) -> CasePage:
    own_customer(principal, customer_id)
    # A customer merged with others in the directory has their cases too.
    group = list(known_customers(request).same_person(customer_id))
    if len(group) > 1:
        wanted = replace(wanted, customer_ids=tuple(group))
    else:
        wanted = replace(wanted, customer_id=customer_id)
    return case_page(read_model, wanted, page, principal, request)
