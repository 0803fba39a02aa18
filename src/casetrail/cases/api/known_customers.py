"""What the cases context asks of a customer directory, as a port the API role is given
(``app.state.known_customers``): the cases context knows no directory, so one above it (the
customers context) hands its answers in through the wiring. Without one, every customer id
stands alone and unknown."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence, Set
from typing import Protocol

from fastapi import Request

from casetrail.cases.api.case_views import CaseReadOrItem, with_customers
from casetrail.platform.http.principals import Principal, Role

CUSTOMER_FIELD = "customer"


class KnownCustomers(Protocol):
    def profiles(self, customer_ids: Collection[str]) -> Mapping[str, tuple[str, str]]:
        """(name, tier) of the ids the directory knows; the others are left out."""
        ...

    def same_person(self, customer_id: str) -> Sequence[str]:
        """Every id a merge made the same person as ``customer_id`` (itself included)."""
        ...


class NoDirectory:
    def profiles(self, customer_ids: Collection[str]) -> Mapping[str, tuple[str, str]]:
        del customer_ids  # none is known
        return {}

    def same_person(self, customer_id: str) -> Sequence[str]:
        return [customer_id]


NO_DIRECTORY = NoDirectory()


def known_customers(request: Request) -> KnownCustomers:
    found: KnownCustomers | None = getattr(request.app.state, "known_customers", None)
    return found if found is not None else NO_DIRECTORY


def with_directory(
    request: Request,
    principal: Principal,
    cases: list[CaseReadOrItem],
    fields: Set[str] | None = None,
) -> list[CaseReadOrItem]:
    """The cases with their customer's name and tier when the directory knows them; never
    for analysts, who see customers only as pseudonyms."""
    if fields is not None and CUSTOMER_FIELD not in fields:
        return cases
    ids = {case.customer_id for case in cases if case.customer_id is not None}
    profiles = known_customers(request).profiles(ids) if principal.role is not Role.ANALYST else {}
    return with_customers(cases, profiles)


def case_with_directory(
    request: Request, principal: Principal, case: CaseReadOrItem
) -> CaseReadOrItem:
    return with_directory(request, principal, [case])[0]
