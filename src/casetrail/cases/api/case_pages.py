"""A page of the case list as a caller may see it: the filter narrowed to what the caller
may know, the rows shown as list items, the next page's cursor. The case list and other
lists of cases (a customer's, a department's) answer with it, with what the customer
directory knows of each case's customer."""

from __future__ import annotations

from dataclasses import replace

from fastapi import Request

from casetrail.cases.api.audience import shown
from casetrail.cases.api.case_list_params import PageParams, cursor_key, scope
from casetrail.cases.api.case_views import case_list_item
from casetrail.cases.api.known_customers import with_directory
from casetrail.cases.api.query_deps import ReadModelDep
from casetrail.cases.api.query_schemas import CasePage
from casetrail.cases.api.visibility import own_customer
from casetrail.cases.queries import CaseFilter
from casetrail.cases.queries import CasePage as RowPage
from casetrail.platform.http.cursors import encode_cursor
from casetrail.platform.http.principals import Principal, Role


def visible_to(principal: Principal, wanted: CaseFilter) -> CaseFilter:
    """Narrow a list query to the cases the caller may see."""
    if principal.role is Role.CUSTOMER:
        if wanted.customer_id is not None:
            own_customer(principal, wanted.customer_id)
        return replace(wanted, customer_id=principal.customer_id)
    if principal.role is Role.AGENT:
        return replace(wanted, visible_to_agent=principal.subject)
    return wanted


def case_page(
    read_model: ReadModelDep,
    wanted: CaseFilter,
    page: PageParams,
    principal: Principal,
    request: Request,
) -> CasePage:
    wanted = visible_to(principal, wanted)
    found: RowPage = read_model.list_cases(page.query(wanted))
    next_cursor = None
    if found.next_key is not None:
        next_cursor = encode_cursor("cases", scope(wanted, page.sort), cursor_key(found.next_key))
    # Deadlines are the support side's business, not the customer's.
    due = found.due if principal.role is not Role.CUSTOMER else {}
    items = [
        shown(principal, case_list_item(row, page.fields, due.get(row.id))) for row in found.rows
    ]
    return CasePage(
        items=with_directory(request, principal, items, page.fields),
        next_cursor=next_cursor,
        limit=page.limit,
    )
