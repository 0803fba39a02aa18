"""How directory events change the customer rows: a pure fold, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from casetrail.customers.domain.customer import Customer
from casetrail.customers.domain.values import CustomerStatus
from casetrail.customers.projections.rows import CustomerRow


class CustomerRowMissing(Exception):
    def __init__(self, stream_id: UUID, event_type: str) -> None:
        super().__init__(f"{event_type} for customer stream {stream_id}, which has no row")


def streams_needed(events: Iterable[Any]) -> set[UUID]:
    """The customer streams whose existing rows the fold will read."""
    return {
        event.originator_id
        for event in events
        if isinstance(event, Customer.Event) and not isinstance(event, Customer.Registered)
    }


class CustomerFold:
    def __init__(self, loaded: Iterable[CustomerRow] = ()) -> None:
        self.rows: dict[UUID, CustomerRow] = {row.stream_id: row for row in loaded}
        self.changed: set[UUID] = set()

    def apply_all(self, events: Sequence[Any]) -> None:
        for event in events:
            self.apply(event)

    def apply(self, event: Any) -> None:
        if not isinstance(event, Customer.Event):
            return
        if isinstance(event, Customer.Registered):
            self.rows[event.originator_id] = CustomerRow(
                customer_id=event.customer_id,
                stream_id=event.originator_id,
                name=event.name,
                email=event.email,
                phone=event.phone,
                external_ids=dict(event.external_ids),
                timezone=event.timezone,
                language=event.language,
                tier=event.tier,
                status=CustomerStatus.ACTIVE.value,
                merged_into=None,
                merged_ids=[],
                created_at=event.timestamp,
                updated_at=event.timestamp,
                version=event.originator_version,
            )
            self.changed.add(event.originator_id)
            return
        row = self.rows.get(event.originator_id)
        if row is None:
            raise CustomerRowMissing(event.originator_id, type(event).__name__)
        if isinstance(event, Customer.DetailsChanged):
            for field in event.changed:
                value = getattr(event, field)
                setattr(row, field, dict(value or {}) if field == "external_ids" else value)
        elif isinstance(event, Customer.MergedInto):
            row.status = CustomerStatus.MERGED.value
            row.merged_into = event.survivor_id
        elif isinstance(event, Customer.Absorbed):
            row.merged_ids = [*row.merged_ids, *event.duplicate_ids]
            row.external_ids = {**row.external_ids, **event.external_ids}
        row.version = event.originator_version
        row.updated_at = event.timestamp
        self.changed.add(event.originator_id)

    def changed_rows(self) -> list[CustomerRow]:
        return [self.rows[stream_id] for stream_id in sorted(self.changed)]
