"""What the clocks need to know of other contexts, as small ports: a customer's tier and
whether a department exists. Until the directory publishes them the defaults know nothing
(every tier unknown, every department accepted); the wiring hands in the real ones."""

from __future__ import annotations

from typing import Protocol


class CustomerTiers(Protocol):
    def tier_of(self, customer_id: str) -> str | None:
        """``standard`` or ``vip``; None when the customer is not known."""
        ...


class Departments(Protocol):
    def is_known(self, department: str) -> bool: ...


class UnknownTiers:
    def tier_of(self, customer_id: str) -> str | None:  # noqa: ARG002
        return None


class AnyDepartment:
    def is_known(self, department: str) -> bool:  # noqa: ARG002
        return True
