"""A customer's commerce context — recent orders with payments, shipments and fraud alerts.

The agent UI's sidebar: a case names its customer (and often an order), and this shows what
the shop knows about them. The data source is wired by the process (``app.state``); this
module knows only the read-model port.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from casetrail.commerce.context import (
    ContextUnavailable,
    CustomerContext,
    CustomerContextReader,
)
from casetrail.kernel.ids import MAX_ID
from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.permissions import READS_INTERNALS
from casetrail.platform.http.problems import PROBLEMS, ApiProblem

DEFAULT_ORDERS = 10
MAX_ORDERS = 50

router = APIRouter(
    prefix="/support/customers",
    tags=["customers"],
    responses=PROBLEMS,
    dependencies=[Authenticated, READS_INTERNALS],
)


class PaymentRead(BaseModel):
    payment_id: str
    amount: Decimal
    currency: str
    method: str
    authorization_code: str | None
    authorized_at: datetime


class ShipmentRead(BaseModel):
    shipment_id: str
    carrier: str
    tracking_number: str
    status: str
    estimated_delivery: date | None
    status_changed_at: datetime


class FraudAlertRead(BaseModel):
    alert_id: str
    order_id: str | None
    severity: str
    rule: str
    score: float | None
    description: str | None
    raised_at: datetime


class OrderContextRead(BaseModel):
    order_id: str
    status: str | None = Field(description="None until the order's first status event arrives.")
    total_amount: Decimal | None
    currency: str | None
    item_count: int | None
    status_changed_at: datetime | None
    first_seen_at: datetime | None
    last_activity_at: datetime = Field(description="The latest event of any kind about it.")
    payments: list[PaymentRead]
    shipments: list[ShipmentRead]
    fraud_alerts: list[FraudAlertRead]


class CustomerContextRead(BaseModel):
    customer_id: str
    orders: list[OrderContextRead] = Field(description="Latest activity first.")
    account_alerts: list[FraudAlertRead] = Field(
        description="Fraud alerts about the account rather than one order."
    )


def get_context_reader(request: Request) -> CustomerContextReader:
    reader: CustomerContextReader | None = getattr(request.app.state, "customer_context", None)
    if reader is None:
        raise ApiProblem(
            503,
            "context-unavailable",
            "Commerce context is not configured",
            "this process serves no commerce context",
        )
    return reader


class SamePerson(Protocol):
    """A customer directory, as far as the context needs one: the ids a merge made one."""

    def same_person(self, customer_id: str) -> Sequence[str]: ...


def same_person(request: Request, customer_id: str) -> Sequence[str]:
    """The ids whose context is this customer's (the API role may be given a directory)."""
    directory: SamePerson | None = getattr(request.app.state, "known_customers", None)
    return [customer_id] if directory is None else directory.same_person(customer_id)


ContextReaderDep = Annotated[CustomerContextReader, Depends(get_context_reader)]
IdPath = Annotated[str, Path(min_length=1, max_length=MAX_ID, pattern=r"^[^\x00-\x1f\x7f]+$")]


@router.get(
    "/{customer_id}/context",
    response_model=CustomerContextRead,
    summary="A customer's recent orders, each with its payments, shipments and fraud alerts",
)
def customer_context(
    customer_id: IdPath,
    reader: ContextReaderDep,
    request: Request,
    limit: Annotated[
        int, Query(ge=1, le=MAX_ORDERS, description="How many orders, latest activity first.")
    ] = DEFAULT_ORDERS,
    order_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_ID,
            description="A case's order: listed first whatever its age (if it is the customer's).",
        ),
    ] = None,
) -> CustomerContextRead:
    try:
        # A customer merged with others in the directory: their orders show here too.
        contexts = [
            reader.customer_context(member, limit=limit, order_id=order_id)
            for member in same_person(request, customer_id)
        ]
    except ContextUnavailable as error:
        raise ApiProblem(
            503,
            "context-unavailable",
            "The commerce context is unavailable",
            f"retry shortly ({error})",
        ) from error
    return context_read(combined(customer_id, contexts, limit, order_id))


def combined(
    customer_id: str, contexts: list[CustomerContext], limit: int, order_id: str | None
) -> CustomerContext:
    """One context of several ids' (a customer and those merged into them): latest
    activity first, the case's order first whatever its age, at most ``limit`` orders."""
    if len(contexts) == 1:
        return contexts[0]
    orders = sorted(
        (order for context in contexts for order in context.orders),
        key=lambda order: (order.order_id != order_id, -order.last_activity_at.timestamp()),
    )
    alerts = sorted(
        (alert for context in contexts for alert in context.account_alerts),
        key=lambda alert: alert.raised_at,
        reverse=True,
    )
    return CustomerContext(customer_id=customer_id, orders=orders[:limit], account_alerts=alerts)


def context_read(context: CustomerContext) -> CustomerContextRead:
    # The read-model dataclasses carry exactly the response's fields.
    return CustomerContextRead.model_validate(context, from_attributes=True)
