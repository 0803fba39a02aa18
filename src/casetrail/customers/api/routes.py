"""The customer directory over HTTP: register (idempotent import), search, read (now or
``?as_of=``), change, merge, and the audit trail."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import AwareDatetime, EmailStr

from casetrail.cases.api.published import ActorRead, own_customer
from casetrail.customers.api.deps import (
    CUSTOMERS_FRESH,
    Context,
    CustomerReadModelDep,
    Directory,
)
from casetrail.customers.api.permissions import (
    MANAGES_CUSTOMERS,
    READS_CUSTOMER_HISTORY,
    ReadsCustomers,
)
from casetrail.customers.api.schemas import (
    CustomerCreate,
    CustomerHistory,
    CustomerHistoryEntry,
    CustomerMerge,
    CustomerPage,
    CustomerRead,
    CustomerRegistered,
    CustomerUpdate,
)
from casetrail.customers.api.views import customer_read, customer_read_from_row
from casetrail.customers.domain.errors import CannotMergeIntoItself
from casetrail.customers.domain.values import ExternalSystem
from casetrail.customers.queries import CustomerSearch
from casetrail.customers.service.commands import (
    ChangeCustomer,
    DirectoryResult,
    MergeCustomers,
    RegisterCustomer,
)
from casetrail.customers.service.history import history_entries
from casetrail.kernel.ids import MAX_ID
from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.cursors import (
    CURSOR_DESCRIPTION,
    CURSOR_PATTERN,
    MAX_CURSOR_LENGTH,
    InvalidCursor,
    decode_cursor,
    encode_cursor,
)
from casetrail.platform.http.parameters import invalid_parameter
from casetrail.platform.http.principals import Principal, Role
from casetrail.platform.http.problems import PROBLEMS

POSITION_HEADER = "X-Casetrail-Position"

router = APIRouter(
    prefix="/support/customers",
    tags=["customers"],
    responses=PROBLEMS,
    dependencies=[Authenticated],
)

CustomerIdPath = Annotated[
    str, Path(min_length=1, max_length=MAX_ID, pattern=r"^[^\x00-\x1f\x7f]+$")
]
SearchText = Annotated[str | None, Query(min_length=1, max_length=255)]


def customer_url(customer_id: str) -> str:
    # Ids are any text; headers carry them percent-encoded (RFC 3986), never raw.
    return f"/support/customers/{quote(customer_id, safe='')}"


def describe(response: Response, result: DirectoryResult) -> None:
    response.headers["ETag"] = f'"{result.version}"'
    if result.position is not None:
        response.headers[POSITION_HEADER] = str(result.position)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CustomerRegistered,
    dependencies=[MANAGES_CUSTOMERS],
    summary="Register a customer; one already known by an external id (or id) is answered "
    "as it is, with 200 (idempotent import)",
    responses={200: {"model": CustomerRegistered, "description": "Already known."}},
)
def register_customer(
    body: CustomerCreate, directory: Directory, context: Context, response: Response
) -> CustomerRegistered:
    result = directory.register(
        RegisterCustomer(
            name=body.name,
            email=body.email,
            phone=body.phone,
            external_ids={system.value: value for system, value in body.external_ids.items()},
            timezone=body.timezone,
            language=body.language,
            tier=body.tier,
            customer_id=body.id,
        ),
        context,
    )
    describe(response, result)
    response.headers["Location"] = customer_url(result.customer_id)
    if not result.created:
        response.status_code = status.HTTP_200_OK
    read = customer_read(directory.get(result.customer_id))
    return CustomerRegistered(**read.model_dump(), created=result.created)


@router.get(
    "",
    response_model=CustomerPage,
    dependencies=[CUSTOMERS_FRESH],
    summary="Search customers by e-mail, name or external id (cursor pages); a customer "
    "finds only themselves",
)
def list_customers(
    read_model: CustomerReadModelDep,
    principal: ReadsCustomers,
    directory: Directory,
    email: Annotated[EmailStr | None, Query(description="Exact, case-insensitive.")] = None,
    name: SearchText = None,
    external_system: Annotated[ExternalSystem | None, Query()] = None,
    external_id: Annotated[
        str | None,
        Query(min_length=1, max_length=MAX_ID, description="An id in another system."),
    ] = None,
    include_merged: Annotated[bool, Query(description="Also list merged duplicates.")] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_CURSOR_LENGTH,
            description=CURSOR_DESCRIPTION,
            json_schema_extra={"pattern": CURSOR_PATTERN},
        ),
    ] = None,
) -> CustomerPage:
    search = CustomerSearch(
        email=email,
        name=name,
        external_system=external_system.value if external_system else None,
        external_id=external_id,
        include_merged=include_merged,
        limit=limit,
    )
    scope = _scope(search)
    if cursor is not None:
        search = _after(search, cursor, scope)
    if principal.role is Role.CUSTOMER:
        return _only_themselves(principal, directory, search)
    found = read_model.search(search)
    next_cursor = None
    if found.next_key is not None:
        created_at, customer_id = found.next_key
        next_cursor = encode_cursor("customers", scope, [created_at.isoformat(), customer_id])
    return CustomerPage(
        items=[customer_read_from_row(row) for row in found.rows], next_cursor=next_cursor
    )


def _scope(search: CustomerSearch) -> str:
    """A fingerprint of the query a cursor belongs to (a hash: no e-mail in the cursor)."""
    wanted = [search.email, search.name, search.external_system, search.external_id]
    canonical = json.dumps([*wanted, search.include_merged])
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _after(search: CustomerSearch, cursor: str, scope: str) -> CustomerSearch:
    try:
        key = decode_cursor(cursor, "customers", scope)
        if len(key) != 2 or not all(isinstance(part, str) for part in key):
            raise InvalidCursor("the cursor is not one this API issued")
        created_at = datetime.fromisoformat(key[0])
    except (InvalidCursor, ValueError) as error:
        invalid_parameter("cursor", str(error))
    if created_at.tzinfo is None:
        invalid_parameter("cursor", "the cursor is not one this API issued")
    return replace(search, after=(created_at, key[1]))


def _only_themselves(
    principal: Principal, directory: Directory, search: CustomerSearch
) -> CustomerPage:
    """A customer's search finds their own record, whatever it asks for."""
    customer = directory.find(principal.customer_id or principal.subject)
    items = [customer_read(customer)] if customer is not None and search.after is None else []
    return CustomerPage(items=items, next_cursor=None)


@router.get(
    "/{customer_id}",
    response_model=CustomerRead,
    summary="A customer now, or ?as_of= as they stood then; a merged duplicate answers with "
    "merged_into naming the survivor",
)
def get_customer(
    customer_id: CustomerIdPath,
    directory: Directory,
    principal: ReadsCustomers,
    response: Response,
    as_of: Annotated[
        AwareDatetime | None, Query(description="RFC 3339 time: the customer as they were then.")
    ] = None,
) -> CustomerRead:
    own_customer(principal, customer_id)
    if as_of is not None:
        customer = directory.get_as_of(customer_id, as_of)
    else:
        customer = directory.get(customer_id)
    response.headers["ETag"] = f'"{customer.version}"'
    if customer.merged_into is not None:
        response.headers["Link"] = f'<{customer_url(customer.merged_into)}>; rel="canonical"'
    return customer_read(customer)


@router.patch(
    "/{customer_id}",
    response_model=CustomerRead,
    dependencies=[MANAGES_CUSTOMERS],
    summary="Change a customer's details (only the fields sent; If-Match guards the version)",
)
def change_customer(
    customer_id: CustomerIdPath,
    body: CustomerUpdate,
    directory: Directory,
    context: Context,
    response: Response,
) -> CustomerRead:
    result = directory.change(ChangeCustomer(customer_id, body.changes()), context)
    describe(response, result)
    return customer_read(directory.get(customer_id))


@router.post(
    "/{customer_id}/merge",
    response_model=CustomerRead,
    dependencies=[MANAGES_CUSTOMERS],
    summary="Merge a duplicate (from_customer_id) into this customer",
)
def merge_customers(
    customer_id: CustomerIdPath,
    body: CustomerMerge,
    directory: Directory,
    context: Context,
    response: Response,
) -> CustomerRead:
    if body.from_customer_id == customer_id:
        raise CannotMergeIntoItself(customer_id)
    result = directory.merge(MergeCustomers(customer_id, body.from_customer_id), context)
    describe(response, result)
    return customer_read(directory.get(customer_id))


@router.get(
    "/{customer_id}/history",
    response_model=CustomerHistory,
    dependencies=[READS_CUSTOMER_HISTORY],
    summary="Every change of the customer, and of the customers merged into them",
)
def customer_history(customer_id: CustomerIdPath, directory: Directory) -> CustomerHistory:
    directory.get(customer_id)  # 404 for an unknown customer
    entries = history_entries(directory, customer_id)
    return CustomerHistory(
        customer_id=customer_id,
        items=[
            CustomerHistoryEntry(
                customer_id=entry.customer_id,
                version=entry.version,
                type=entry.type,
                at=entry.at,
                actor=ActorRead(subject=entry.actor_subject, role=entry.actor_role),
                data=entry.data,
            )
            for entry in entries
        ],
    )
