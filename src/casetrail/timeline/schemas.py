"""Response bodies of the 360° timeline: one entry type per kind, each with its payload typed.

The view stores payloads as JSON text; here each kind's payload gets its fields and types,
so clients (and the OpenAPI document) know what a ``payment_authorized`` entry carries.
A kind this code does not know yet (a new commerce topic, a new case event) is still shown,
with its payload as a plain object.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from casetrail.cases.api.published import ActorRead, CaseRead


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CaseEventPayload(Payload):
    actor: ActorRead


class CaseOpenedPayload(CaseEventPayload):
    case_number: str
    customer_id: str
    subject: str
    description: str
    priority: str
    channel: str
    tags: list[str]
    order_id: str | None
    external_ref: str | None


class StatusChangedPayload(CaseEventPayload):
    from_status: str
    to_status: str
    reason: str | None


class CaseResolvedPayload(CaseEventPayload):
    from_status: str
    resolution: str | None


class CaseReopenedPayload(CaseEventPayload):
    reason: str | None


class PriorityChangedPayload(CaseEventPayload):
    from_priority: str
    to_priority: str


class CaseAssignedPayload(CaseEventPayload):
    agent_id: str
    previous_agent_id: str | None
    reason: str


class CaseUnassignedPayload(CaseEventPayload):
    previous_agent_id: str


class CaseEscalatedPayload(CaseEventPayload):
    level: int
    reason: str


class CaseRoutedPayload(CaseEventPayload):
    from_department_id: str | None
    to_department_id: str
    reason: str


class TagsChangedPayload(CaseEventPayload):
    tags: list[str]


class DetailsChangedPayload(CaseEventPayload):
    changed: list[str]
    subject: str | None
    description: str | None
    external_ref: str | None


class CustomerChangedPayload(CaseEventPayload):
    from_customer_id: str
    to_customer_id: str


class MessagePayload(Payload):
    message_id: UUID
    position: int
    author_type: str
    author_id: str
    body: str
    attachment_uri: str | None
    internal: bool


class CommercePayload(Payload):
    event_id: str
    occurred_at: datetime
    customer_id: str


class OrderStatusPayload(CommercePayload):
    order_id: str
    status: str
    total_amount: Decimal
    currency: str
    item_count: int | None = None


class PaymentAuthorizedPayload(CommercePayload):
    order_id: str
    payment_id: str
    amount: Decimal
    currency: str
    method: str
    authorization_code: str | None = None


class FraudAlertPayload(CommercePayload):
    alert_id: str
    order_id: str | None = None
    severity: str
    rule: str
    score: float | None = None
    description: str | None = None


class ShipmentStatusPayload(CommercePayload):
    order_id: str
    shipment_id: str
    carrier: str
    tracking_number: str
    status: str
    estimated_delivery: date | None = None


class Entry(BaseModel):
    at: datetime
    source: Literal["case", "conversation", "commerce"]
    summary: str


class CaseOpenedEntry(Entry):
    kind: Literal["case_opened"]
    payload: CaseOpenedPayload


class StatusChangedEntry(Entry):
    kind: Literal["status_changed"]
    payload: StatusChangedPayload


class CaseResolvedEntry(Entry):
    kind: Literal["case_resolved"]
    payload: CaseResolvedPayload


class CaseReopenedEntry(Entry):
    kind: Literal["case_reopened"]
    payload: CaseReopenedPayload


class PriorityChangedEntry(Entry):
    kind: Literal["priority_changed"]
    payload: PriorityChangedPayload


class CaseAssignedEntry(Entry):
    kind: Literal["case_assigned"]
    payload: CaseAssignedPayload


class CaseUnassignedEntry(Entry):
    kind: Literal["case_unassigned"]
    payload: CaseUnassignedPayload


class CaseEscalatedEntry(Entry):
    kind: Literal["case_escalated"]
    payload: CaseEscalatedPayload


class CaseRoutedEntry(Entry):
    kind: Literal["case_routed"]
    payload: CaseRoutedPayload


class TagsAddedEntry(Entry):
    kind: Literal["tags_added"]
    payload: TagsChangedPayload


class TagsRemovedEntry(Entry):
    kind: Literal["tags_removed"]
    payload: TagsChangedPayload


class DetailsChangedEntry(Entry):
    kind: Literal["details_changed"]
    payload: DetailsChangedPayload


class CustomerChangedEntry(Entry):
    kind: Literal["customer_changed"]
    payload: CustomerChangedPayload


class CaseArchivedEntry(Entry):
    kind: Literal["case_archived"]
    payload: CaseEventPayload


class CaseRestoredEntry(Entry):
    kind: Literal["case_restored"]
    payload: CaseEventPayload


class MessageEntry(Entry):
    kind: Literal["message"]
    payload: MessagePayload


class InternalNoteEntry(Entry):
    kind: Literal["internal_note"]
    payload: MessagePayload


class OrderStatusChangedEntry(Entry):
    kind: Literal["order_status_changed"]
    payload: OrderStatusPayload


class PaymentAuthorizedEntry(Entry):
    kind: Literal["payment_authorized"]
    payload: PaymentAuthorizedPayload


class FraudAlertRaisedEntry(Entry):
    kind: Literal["fraud_alert_raised"]
    payload: FraudAlertPayload


class ShipmentStatusChangedEntry(Entry):
    kind: Literal["shipment_status_changed"]
    payload: ShipmentStatusPayload


class OtherEntry(Entry):
    """An entry of a kind this version does not describe yet (a new commerce topic, a new
    case event): shown all the same, its payload a plain object."""

    kind: str
    payload: dict[str, Any]


KnownEntry = Annotated[
    CaseOpenedEntry
    | StatusChangedEntry
    | CaseResolvedEntry
    | CaseReopenedEntry
    | PriorityChangedEntry
    | CaseAssignedEntry
    | CaseUnassignedEntry
    | CaseEscalatedEntry
    | CaseRoutedEntry
    | TagsAddedEntry
    | TagsRemovedEntry
    | DetailsChangedEntry
    | CustomerChangedEntry
    | CaseArchivedEntry
    | CaseRestoredEntry
    | MessageEntry
    | InternalNoteEntry
    | OrderStatusChangedEntry
    | PaymentAuthorizedEntry
    | FraudAlertRaisedEntry
    | ShipmentStatusChangedEntry,
    Field(discriminator="kind"),
]
TimelineEntryRead = KnownEntry | OtherEntry

ENTRY_MODELS: dict[str, type[Entry]] = {
    "case_opened": CaseOpenedEntry,
    "status_changed": StatusChangedEntry,
    "case_resolved": CaseResolvedEntry,
    "case_reopened": CaseReopenedEntry,
    "priority_changed": PriorityChangedEntry,
    "case_assigned": CaseAssignedEntry,
    "case_unassigned": CaseUnassignedEntry,
    "case_escalated": CaseEscalatedEntry,
    "case_routed": CaseRoutedEntry,
    "tags_added": TagsAddedEntry,
    "tags_removed": TagsRemovedEntry,
    "details_changed": DetailsChangedEntry,
    "customer_changed": CustomerChangedEntry,
    "case_archived": CaseArchivedEntry,
    "case_restored": CaseRestoredEntry,
    "message": MessageEntry,
    "internal_note": InternalNoteEntry,
    "order_status_changed": OrderStatusChangedEntry,
    "payment_authorized": PaymentAuthorizedEntry,
    "fraud_alert_raised": FraudAlertRaisedEntry,
    "shipment_status_changed": ShipmentStatusChangedEntry,
}


class CaseWithTimeline(CaseRead):
    timeline: list[TimelineEntryRead] = Field(
        description="The most recent entries within since/until (at most `limit`), oldest"
        " first: case events, messages, and the commerce context of the case's customer and"
        " order. Each entry's `payload` is typed by its `kind`."
    )
    timeline_truncated: bool = Field(
        description="Older entries of the window were left out; ask again with `until` set"
        " to the first entry's `at` to read further back."
    )
