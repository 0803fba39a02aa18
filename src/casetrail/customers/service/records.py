"""A customer's record as plain data, personal fields included: what an export holds."""

from __future__ import annotations

from typing import Any

from casetrail.customers.domain.customer import Customer


def customer_record(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.customer_id,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "external_ids": dict(customer.external_ids),
        "timezone": customer.timezone,
        "language": customer.language,
        "tier": customer.tier.value,
        "status": customer.status.value,
        "merged_into": customer.merged_into,
        "merged_ids": list(customer.merged_ids),
        "version": customer.version,
        "created_at": customer.created_on.isoformat(),
        "updated_at": customer.modified_on.isoformat(),
    }
