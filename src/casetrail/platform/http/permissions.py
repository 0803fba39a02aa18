"""Who may do what, declared on routes.

Role checks come first (403: the role may never do this), then the case check (404: this
caller may not know the case exists: a customer's or an agent's view of someone else's case).
SERVICE clients go by scope instead of role.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from casetrail.platform.http.authentication import CurrentPrincipal
from casetrail.platform.http.principals import Principal, Role, Scope
from casetrail.platform.http.problems import ApiProblem

STAFF = frozenset({Role.AGENT, Role.SUPERVISOR})


def forbidden(detail: str) -> ApiProblem:
    return ApiProblem(403, "forbidden", "Not allowed", detail)


def require(
    *roles: Role, scope: Scope | None = None
) -> Callable[[Principal], Awaitable[Principal]]:
    allowed = frozenset(roles)

    # async: no I/O, so it runs on the event loop instead of costing a worker-thread hop.
    async def guard(principal: CurrentPrincipal) -> Principal:
        if principal.role is Role.SERVICE:
            if scope is not None and scope.value in principal.scopes:
                return principal
            needed = f"the {scope.value} scope" if scope is not None else "a person's token"
            raise forbidden(f"this needs {needed}")
        if principal.role not in allowed:
            raise forbidden(f"the {principal.role.value} role may not do this")
        return principal

    return guard


_reads_cases = require(
    Role.AGENT, Role.SUPERVISOR, Role.ANALYST, Role.CUSTOMER, scope=Scope.CASES_READ
)
# Opening cases and posting messages: customers do both, for themselves.
_writes_cases = require(Role.AGENT, Role.SUPERVISOR, Role.CUSTOMER, scope=Scope.CASES_WRITE)
# Status, priority, tags: the staff who work the case.
_works_cases = require(Role.AGENT, Role.SUPERVISOR, scope=Scope.CASES_WRITE)
# Assignment, transfer, escalation.
_manages_cases = require(Role.SUPERVISOR, scope=Scope.CASES_ASSIGN)
# The audit trail, workloads and commerce context: staff and analysts, never customers.
_reads_internals = require(Role.AGENT, Role.SUPERVISOR, Role.ANALYST, scope=Scope.CASES_READ)
_exports_customers = require(Role.SUPERVISOR, Role.CUSTOMER, scope=Scope.CUSTOMERS_EXPORT)
_erases_customers = require(Role.SUPERVISOR, scope=Scope.CUSTOMERS_ERASE)
# The directory of agents and departments: staff and analysts read it, customers never do
# (what they need of an agent comes with their case); supervisors manage it.
_reads_directory = require(Role.AGENT, Role.SUPERVISOR, Role.ANALYST, scope=Scope.DIRECTORY_READ)
_manages_directory = require(Role.SUPERVISOR, scope=Scope.DIRECTORY_MANAGE)
# Presence: an agent its own (the route checks whose), a supervisor anyone's.
_keeps_presence = require(Role.AGENT, Role.SUPERVISOR, scope=Scope.DIRECTORY_MANAGE)
# Business calendars and SLA policies: supervisors define them; staff and analysts read them.
_manages_sla = require(Role.SUPERVISOR, scope=Scope.SLA_MANAGE)

# A parameter type (`principal: ReadsCases`) when the route needs the caller; the upper-case
# twin goes in a route's `dependencies=[...]` when it does not. Both check once a request.
ReadsCases = Annotated[Principal, Depends(_reads_cases)]
READS_CASES = Depends(_reads_cases)
WritesCases = Annotated[Principal, Depends(_writes_cases)]
WRITES_CASES = Depends(_writes_cases)
WorksCases = Annotated[Principal, Depends(_works_cases)]
WORKS_CASES = Depends(_works_cases)
ManagesCases = Annotated[Principal, Depends(_manages_cases)]
MANAGES_CASES = Depends(_manages_cases)
ReadsInternals = Annotated[Principal, Depends(_reads_internals)]
READS_INTERNALS = Depends(_reads_internals)
ExportsCustomers = Annotated[Principal, Depends(_exports_customers)]
EXPORTS_CUSTOMERS = Depends(_exports_customers)
ErasesCustomers = Annotated[Principal, Depends(_erases_customers)]
ERASES_CUSTOMERS = Depends(_erases_customers)
ReadsDirectory = Annotated[Principal, Depends(_reads_directory)]
READS_DIRECTORY = Depends(_reads_directory)
ManagesDirectory = Annotated[Principal, Depends(_manages_directory)]
MANAGES_DIRECTORY = Depends(_manages_directory)
KeepsPresence = Annotated[Principal, Depends(_keeps_presence)]
KEEPS_PRESENCE = Depends(_keeps_presence)
ManagesSla = Annotated[Principal, Depends(_manages_sla)]
MANAGES_SLA = Depends(_manages_sla)
