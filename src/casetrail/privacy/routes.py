"""A customer's data: export everything held about them; erase it (crypto-shredding)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, status
from pydantic import BaseModel, ConfigDict, Field

from casetrail.cases.api.published import (
    MAX_REASON,
    ActorRead,
    CaseRead,
    Desk,
    HistoryEntryRead,
    MessageRead,
    ReadModelDep,
    case_read,
    own_customer,
    shown_history,
    shown_messages,
)
from casetrail.cases.api.published import Request as RequestBody
from casetrail.cases.published import CaseFilter, CaseQuery, ReadModel
from casetrail.commerce.published import ContextUnavailable, context_read
from casetrail.customers.published import customer_group, customer_records
from casetrail.kernel.ids import MAX_ID
from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.permissions import ErasesCustomers, ExportsCustomers
from casetrail.platform.http.problems import PROBLEMS, ApiProblem
from casetrail.privacy.erasure_command import CustomerErasure, EraseCustomer

router = APIRouter(
    prefix="/support/customers",
    tags=["privacy"],
    responses=PROBLEMS,
    dependencies=[Authenticated],
)

CustomerIdPath = Annotated[
    str, Path(min_length=1, max_length=MAX_ID, pattern=r"^[^\x00-\x1f\x7f]+$")
]
PAGE = 500


class CaseExport(BaseModel):
    case: CaseRead
    messages: list[MessageRead]
    history: list[HistoryEntryRead]


class CustomerExport(BaseModel):
    customer_id: str
    exported_at: datetime
    directory: list[dict[str, Any]] = Field(
        description="The customer's directory records (with name, e-mail, phone and history),"
        " theirs and those merged with them; empty when the directory does not know them."
    )
    cases: list[CaseExport]
    context: dict[str, Any] | None = Field(
        description="Commerce context (orders, payments, shipments, fraud alerts) if served."
    )


class ErasureCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "the customer asked to be forgotten"}]}
    )

    reason: Annotated[str, Field(min_length=1, max_length=MAX_REASON)]


class ErasureRead(BaseModel):
    customer_id: str
    erased_at: datetime
    requested_by: ActorRead
    key_existed: bool = Field(description="False when nothing had been encrypted for them yet.")
    erased_customer_ids: list[str] = Field(
        description="Every id erased: this one and those merged with it in the directory."
    )


@router.get(
    "/{customer_id}/export",
    response_model=CustomerExport,
    summary="Everything held about a customer, as JSON (the customer themselves, supervisors,"
    " services with customers:export)",
)
def export_customer(
    customer_id: CustomerIdPath,
    principal: ExportsCustomers,
    desk: Desk,
    read_model: ReadModelDep,
    request: Request,
) -> CustomerExport:
    own_customer(principal, customer_id)
    cases = []
    case_ids = [
        case_id
        for member in customer_group(request, customer_id)
        for case_id in _case_ids(read_model, member)
    ]
    for case_id in case_ids:
        conversation = desk.get_conversation(case_id)
        messages = [
            MessageRead(case_id=case_id, **vars(message))
            for message in (conversation.messages if conversation is not None else [])
        ]
        history = [
            HistoryEntryRead(
                stream=entry.stream,
                version=entry.version,
                type=entry.type,
                at=entry.at,
                actor=ActorRead(subject=entry.actor_subject, role=entry.actor_role),
                data=entry.data,
            )
            for entry in desk.case_history(case_id)
        ]
        cases.append(
            CaseExport(
                case=case_read(desk.get_case(case_id)),
                messages=shown_messages(principal, messages),
                history=shown_history(principal, history),
            )
        )
    return CustomerExport(
        customer_id=customer_id,
        exported_at=datetime.now(UTC),
        directory=customer_records(request, customer_id),
        cases=cases,
        context=_context(request, customer_id),
    )


def _case_ids(read_model: ReadModel, customer_id: str) -> list[Any]:
    ids, after = [], None
    while True:
        page = read_model.list_cases(
            CaseQuery(filter=CaseFilter(customer_id=customer_id), limit=PAGE, after=after)
        )
        ids += [row.id for row in page.rows]
        if page.next_key is None:
            return ids
        after = page.next_key


def _context(request: Request, customer_id: str) -> dict[str, Any] | None:
    reader = getattr(request.app.state, "customer_context", None)
    if reader is None:
        return None
    try:
        context = reader.customer_context(customer_id, limit=1_000)
    except ContextUnavailable as error:
        raise ApiProblem(
            503, "context-unavailable", "The commerce context is unavailable", str(error)
        ) from error
    return context_read(context).model_dump(mode="json")


@router.post(
    "/{customer_id}/erasure",
    status_code=status.HTTP_201_CREATED,
    response_model=ErasureRead,
    summary="Erase a customer's personal data by destroying their key (supervisors, services"
    " with customers:erase). Events are kept; their personal fields read as erased.",
)
def erase_customer(
    customer_id: CustomerIdPath, body: ErasureCreate, principal: ErasesCustomers, request: Request
) -> ErasureRead:
    erasure: CustomerErasure | None = getattr(request.app.state, "erasure", None)
    if erasure is None:
        raise ApiProblem(
            503, "erasure-unavailable", "Erasure unavailable", "this server holds no customer keys"
        )
    receipt = erasure.erase(EraseCustomer(customer_id, body.reason), principal.actor)
    return ErasureRead(
        customer_id=customer_id,
        erased_at=receipt.erased_at,
        requested_by=ActorRead(
            subject=receipt.requested_by.subject, role=receipt.requested_by.role
        ),
        key_existed=receipt.key_existed,
        erased_customer_ids=list(receipt.customer_ids or (customer_id,)),
    )
