"""Typed errors of the customer directory: each names the rule that was broken."""

from __future__ import annotations

from typing import Any

from casetrail.kernel.errors import Conflict, DomainError, Unprocessable


def _field_error(field: str, message: str) -> dict[str, Any]:
    return {"errors": [{"field": field, "message": message, "type": "value_error"}]}


class CannotMergeIntoItself(Unprocessable):
    slug = "merge-into-itself"
    title = "A customer cannot be merged into itself"

    def __init__(self, customer_id: str) -> None:
        super().__init__(f"customer {customer_id!r} cannot be merged into itself")
        self.customer_id = customer_id

    def problem_fields(self) -> dict[str, Any]:
        return _field_error("body.from_customer_id", str(self))


class CustomerMerged(DomainError):
    """A merged customer is a pointer: it changes no more, nor takes part in merges."""

    slug = "customer-merged"
    title = "The customer was merged into another"

    def __init__(self, customer_id: str, survivor_id: str) -> None:
        super().__init__(f"customer {customer_id!r} was merged into {survivor_id!r}")
        self.customer_id = customer_id
        self.survivor_id = survivor_id

    def problem_fields(self) -> dict[str, Any]:
        return {"merged_into": self.survivor_id}


class ExternalIdTaken(Conflict):
    slug = "external-id-taken"
    title = "The external id belongs to another customer"

    def __init__(self, system: str, value: str, owner_id: str) -> None:
        super().__init__(f"{system} id {value!r} belongs to customer {owner_id!r}")
        self.system = system
        self.owner_id = owner_id

    def problem_fields(self) -> dict[str, Any]:
        return _field_error(f"body.external_ids.{self.system}", str(self))
