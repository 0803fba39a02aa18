"""Which cases a caller may know of: a customer their own, an agent theirs or no one's.

A case the caller may not know of answers 404, exactly as a case that does not exist.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends
from fastapi.concurrency import run_in_threadpool

from casetrail.cases.api.case_refs import ReferencedCase
from casetrail.cases.api.deps import Desk
from casetrail.cases.service.results import CaseNotFound
from casetrail.platform.http.authentication import CurrentPrincipal
from casetrail.platform.http.principals import Principal, Role
from casetrail.platform.http.problems import ApiProblem


def may_see_case(principal: Principal, customer_id: str, assignee_id: str | None) -> bool:
    if principal.role is Role.CUSTOMER:
        return customer_id == principal.customer_id
    if principal.role is Role.AGENT:
        return assignee_id is None or assignee_id == principal.subject
    return True


async def visible_case(case_id: UUID, principal: CurrentPrincipal, desk: Desk) -> None:
    """404 for a case this caller may not know of, exactly as for a case that does not exist.

    Read from the event store, not the read models: an assignment the projections have not
    applied yet must not open (or close) a case to an agent."""
    if principal.role not in (Role.AGENT, Role.CUSTOMER):
        return
    ticket = await run_in_threadpool(desk.get_case, case_id)
    if not may_see_case(principal, ticket.customer_id, ticket.assignee_id):
        raise CaseNotFound(case_id)


async def visible_referenced_case(
    case_id: ReferencedCase, principal: CurrentPrincipal, desk: Desk
) -> UUID:
    """The same, for a route whose path names the case by its id or its number: the id."""
    await visible_case(case_id, principal, desk)
    return case_id


VISIBLE_CASE = Depends(visible_case)
# The id of a case named by id or number in the path, once the caller may know of it.
VisibleReferencedCase = Annotated[UUID, Depends(visible_referenced_case)]


def own_customer(principal: Principal, customer_id: str) -> None:
    """A customer asking about another customer learns nothing, not even that they exist."""
    if principal.role is Role.CUSTOMER and customer_id != principal.customer_id:
        raise ApiProblem(404, "customer-not-found", "Customer not found")
