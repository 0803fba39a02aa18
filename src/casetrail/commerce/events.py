"""The commerce events casetrail consumes: one pydantic model per Kafka topic.

These models are the contract with the services that publish them. The JSON Schema files in
``schemas/commerce/`` are exported from them (``casetrail commerce-schemas``) and a test keeps
the two identical.

Rules every topic shares:

- ``event_id``, ``occurred_at`` (RFC 3339 with a UTC offset) and ``customer_id`` are required;
  ``order_id`` is required wherever an order is involved (optional on fraud alerts, which can
  concern a whole account).
- Unknown fields are ignored, so a producer may add fields before casetrail knows them.
- ``schema_version`` defaults to 1. A change that is not additive is a new version: a message
  of a version this code does not know is refused (and dead-lettered), never half-read.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

SCHEMA_VERSION = 1  # the schema_version field's only value below
MAX_ID = 128

# Control characters are refused: PostgreSQL text cannot hold NUL, and an id with a newline
# is a producer bug rather than an id.
_PRINTABLE = r"^[^\x00-\x1f\x7f]+$"

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID, pattern=_PRINTABLE)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_PRINTABLE)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=1_000, pattern=_PRINTABLE)]
CurrencyCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{3}$"), Field(description="ISO 4217, e.g. EUR")
]
Amount = Annotated[
    Decimal,
    Field(ge=0, max_digits=18, decimal_places=4, description="In major units, e.g. 12.50"),
]


class OrderStatus(StrEnum):
    PLACED = "placed"
    CONFIRMED = "confirmed"
    PAID = "paid"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    REFUNDED = "refunded"


class ShipmentStatus(StrEnum):
    LABEL_CREATED = "label_created"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"
    RETURNED_TO_SENDER = "returned_to_sender"


class FraudSeverity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class CommerceEvent(BaseModel):
    """What every commerce event carries."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    # The topic this model is read from (without any deployment prefix). Never renamed:
    # it is stored with each event in the context log.
    TOPIC: ClassVar[str]

    schema_version: Literal[1] = Field(default=1, description="Version of this event's schema.")
    event_id: Identifier = Field(description="Unique per event; a redelivery repeats it.")
    occurred_at: AwareDatetime = Field(
        description="When it happened at the source; decides which of two events is newer."
    )
    customer_id: Identifier = Field(description="Also the Kafka message key.")

    @property
    def related_order_id(self) -> str | None:
        return None


class OrderStatusChanged(CommerceEvent):
    """An order entered a status; carries the order's totals as they stand."""

    TOPIC: ClassVar[str] = "order.status.changed"

    order_id: Identifier
    status: OrderStatus
    total_amount: Amount
    currency: CurrencyCode
    item_count: int | None = Field(default=None, ge=0, le=100_000)

    @property
    def related_order_id(self) -> str | None:
        return self.order_id


class PaymentAuthorized(CommerceEvent):
    """A payment for an order was authorized by the payment provider."""

    TOPIC: ClassVar[str] = "payment.authorized"

    order_id: Identifier
    payment_id: Identifier
    amount: Amount
    currency: CurrencyCode
    method: ShortText = Field(description="card, paypal, apple_pay, bank_transfer, …")
    authorization_code: ShortText | None = None

    @property
    def related_order_id(self) -> str | None:
        return self.order_id


class FraudAlertRaised(CommerceEvent):
    """The fraud service flagged an order, or a customer's account as a whole."""

    TOPIC: ClassVar[str] = "fraud.alert"

    alert_id: Identifier
    order_id: Identifier | None = None
    severity: FraudSeverity
    rule: ShortText = Field(description="The rule or model that fired.")
    score: float | None = Field(default=None, ge=0, le=1)
    description: LongText | None = None

    @property
    def related_order_id(self) -> str | None:
        return self.order_id


class ShipmentStatusChanged(CommerceEvent):
    """A parcel of an order moved on at its carrier."""

    TOPIC: ClassVar[str] = "shipment.status.changed"

    order_id: Identifier
    shipment_id: Identifier
    carrier: ShortText
    tracking_number: ShortText
    status: ShipmentStatus
    estimated_delivery: date | None = None

    @property
    def related_order_id(self) -> str | None:
        return self.order_id


EVENT_MODELS: dict[str, type[CommerceEvent]] = {
    model.TOPIC: model
    for model in (OrderStatusChanged, PaymentAuthorized, FraudAlertRaised, ShipmentStatusChanged)
}
COMMERCE_TOPICS: tuple[str, ...] = tuple(EVENT_MODELS)
