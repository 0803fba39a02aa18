"""Customer tiers from the customer directory: the tier of the person a customer id names
(the survivor, after a merge), now or as they stood at a moment."""

from __future__ import annotations

from datetime import datetime

from casetrail.customers.published import CustomerDirectory
from casetrail.kernel.errors import NotFound


class DirectoryTiers:
    def __init__(self, directory: CustomerDirectory) -> None:
        self._directory = directory

    def tier_of(self, customer_id: str, at: datetime | None = None) -> str | None:
        person = self._directory.group(customer_id)[0]
        try:
            customer = (
                self._directory.get_as_of(person, at)
                if at is not None
                else self._directory.find(person)
            )
        except NotFound:
            return None
        return customer.tier.value if customer is not None else None
