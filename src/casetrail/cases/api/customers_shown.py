"""Cases show their customer's name and tier when the directory knows them (read through
``customers.published``); analysts, who see customers only as pseudonyms, never do."""

from __future__ import annotations

from collections.abc import Set

from fastapi import Request

from casetrail.cases.api.case_views import CaseReadOrItem, with_customers
from casetrail.customers.published import customer_profiles
from casetrail.platform.http.principals import Principal, Role

CUSTOMER_FIELD = "customer"


def with_directory(
    request: Request,
    principal: Principal,
    cases: list[CaseReadOrItem],
    fields: Set[str] | None = None,
) -> list[CaseReadOrItem]:
    if fields is not None and CUSTOMER_FIELD not in fields:
        return cases
    ids = {case.customer_id for case in cases if case.customer_id is not None}
    profiles = customer_profiles(request, ids) if principal.role is not Role.ANALYST else {}
    return with_customers(
        cases, {key: (profile.name, profile.tier.value) for key, profile in profiles.items()}
    )


def case_with_directory(
    request: Request, principal: Principal, case: CaseReadOrItem
) -> CaseReadOrItem:
    return with_directory(request, principal, [case])[0]
