"""What the clocks need to know of other contexts, as small ports: a customer's tier and
whether a department exists. The wiring hands in the directory's answers (the customer
directory's tiers, ``service.tiers``); without them the defaults know nothing (every tier
unknown, every department accepted)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class CustomerTiers(Protocol):
    def tier_of(self, customer_id: str, at: datetime | None = None) -> str | None:
        """``standard`` or ``vip`` (now, or as the customer stood ``at``); None when the
        customer is not known."""
        ...


class Departments(Protocol):
    def is_known(self, department: str) -> bool: ...


class UnknownTiers:
    def tier_of(self, customer_id: str, at: datetime | None = None) -> str | None:  # noqa: ARG002
        return None


class AnyDepartment:
    def is_known(self, department: str) -> bool:  # noqa: ARG002
        return True
