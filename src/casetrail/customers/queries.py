"""What the directory's HTTP side and other contexts may ask the customer read model."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from casetrail.customers.projections.rows import CUSTOMER_LIST, CustomerRow

__all__ = ["CUSTOMER_LIST", "CustomerPage", "CustomerReadModel", "CustomerSearch"]

# A position in the list: (created_at, customer_id) of the last row of a page.
ListKey = tuple[datetime, str]


@dataclass(frozen=True)
class CustomerSearch:
    email: str | None = None  # exact, case-insensitive
    name: str | None = None  # words the name contains, case-insensitive
    external_system: str | None = None
    external_id: str | None = None  # with external_system: that id; alone: in any system
    # Merged customers are pointers; lists leave them out unless asked.
    include_merged: bool = False
    limit: int = 25
    after: ListKey | None = None


@dataclass(frozen=True)
class CustomerPage:
    rows: list[CustomerRow]
    next_key: ListKey | None


class CustomerReadModel(Protocol):
    def wait_for(self, position: int, timeout: float) -> bool:
        """Block (at most ``timeout`` s) until the list includes ``position``."""
        ...

    def search(self, search: CustomerSearch) -> CustomerPage: ...

    def rows(self, customer_ids: Collection[str]) -> dict[str, CustomerRow]:
        """The rows of these ids that the list holds."""
        ...


def matches(row: CustomerRow, search: CustomerSearch) -> bool:
    """The search as the in-process read model applies it (PostgreSQL's mirrors it)."""
    if not search.include_merged and row.merged_into is not None:
        return False
    if search.email is not None and (row.email or "").lower() != search.email.lower():
        return False
    if search.name is not None:
        name = row.name.lower()
        if not all(word in name for word in search.name.lower().split()):
            return False
    if search.external_id is not None:
        systems: Sequence[str] = (
            [search.external_system] if search.external_system else list(row.external_ids)
        )
        if not any(row.external_ids.get(system) == search.external_id for system in systems):
            return False
    elif search.external_system is not None and search.external_system not in row.external_ids:
        return False
    return True
