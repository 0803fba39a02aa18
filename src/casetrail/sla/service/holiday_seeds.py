"""Public holidays of a country, resolved to dates once, when a calendar is defined or
revised: the dates are stored with the calendar, so a later version of the ``holidays``
package never rewrites a calendar's history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version
from typing import Any

import holidays

from casetrail.sla.domain.errors import InvalidDefinition


@dataclass(frozen=True)
class HolidaySeed:
    country: str
    years: Sequence[int]
    subdivision: str | None = None

    def resolve(self) -> list[date]:
        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise InvalidDefinition(
                "holiday_seed.country", f"no public holidays are known for {self.country!r}"
            )
        if self.subdivision is not None and self.subdivision not in supported[self.country]:
            known = ", ".join(supported[self.country]) or "none"
            raise InvalidDefinition(
                "holiday_seed.subdivision",
                f"{self.country} has no subdivision {self.subdivision!r} (known: {known})",
            )
        found = holidays.country_holidays(
            self.country, subdiv=self.subdivision, years=list(self.years)
        )
        return sorted(found.keys())

    def source(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "subdivision": self.subdivision,
            "years": list(self.years),
            "package": f"holidays {version('holidays')}",
        }
