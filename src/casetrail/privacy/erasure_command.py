"""Erasing a customer: the command, its receipt, and the port that carries it out.

Erasure is crypto-shredding: the customer's key is destroyed, so the personal fields of
their events (encrypted with it when stored) can no longer be read. The events themselves
stay as they were: the audit trail is intact, only unreadable where it held personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from casetrail.kernel.actor import Actor
from casetrail.kernel.errors import Conflict

# What an erased personal field reads as, everywhere.
ERASED = "[erased]"


class CustomerErased(Conflict):
    """Nothing personal is stored for an erased customer again: their key is gone for good."""

    slug = "customer-erased"
    title = "The customer's data has been erased"

    def __init__(self, customer_id: str) -> None:
        super().__init__(f"customer {customer_id!r} has been erased")
        self.customer_id = customer_id


@dataclass(frozen=True)
class EraseCustomer:
    customer_id: str
    reason: str


@dataclass(frozen=True)
class ErasureReceipt:
    customer_id: str
    erased_at: datetime
    requested_by: Actor
    # False when no key existed: nothing of theirs had been stored encrypted yet.
    key_existed: bool
    # Every id erased: the one asked for and those a merge made the same person.
    customer_ids: tuple[str, ...] = ()


class CustomerErasure(Protocol):
    def erase(self, command: EraseCustomer, actor: Actor) -> ErasureReceipt:
        """Destroy the customer's key and record who asked, when and why."""
        ...
