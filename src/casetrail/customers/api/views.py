"""Response bodies from a customer aggregate or a customer list row."""

from __future__ import annotations

from casetrail.customers.api.schemas import CustomerRead
from casetrail.customers.domain.customer import Customer
from casetrail.customers.domain.values import CustomerStatus, Tier
from casetrail.customers.projections.rows import CustomerRow


def customer_read(customer: Customer) -> CustomerRead:
    return CustomerRead(
        id=customer.customer_id,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        external_ids=dict(customer.external_ids),
        timezone=customer.timezone,
        language=customer.language,
        tier=customer.tier,
        status=customer.status,
        merged_into=customer.merged_into,
        merged_ids=list(customer.merged_ids),
        version=customer.version,
        created_at=customer.created_on,
        updated_at=customer.modified_on,
    )


def customer_read_from_row(row: CustomerRow) -> CustomerRead:
    return CustomerRead(
        id=row.customer_id,
        name=row.name,
        email=row.email,
        phone=row.phone,
        external_ids=dict(row.external_ids),
        timezone=row.timezone,
        language=row.language,
        tier=Tier(row.tier),
        status=CustomerStatus(row.status),
        merged_into=row.merged_into,
        merged_ids=list(row.merged_ids),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
