"""Support cases: open, change, converse, audit. (Queries: routes_case_queries.)"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from casetrail.cases.api.audience import shown_history
from casetrail.cases.api.case_links import CASE_OPENED_LINKS
from casetrail.cases.api.case_views import case_read_from_ticket, with_customers
from casetrail.cases.api.deps import Context, Desk
from casetrail.cases.api.known_customers import known_customers
from casetrail.cases.api.schemas import (
    ActorRead,
    Assignment,
    CaseCreate,
    CaseHistory,
    CaseOpened,
    CaseRead,
    CaseUpdate,
    Escalation,
    HistoryEntryRead,
    MessageCreate,
    MessagePosted,
    PriorityChange,
    StatusChange,
    TagsChange,
)
from casetrail.cases.api.visibility import VISIBLE_CASE
from casetrail.cases.domain.conversation import may_speak_for_others
from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.domain.values import AuthorType, CaseStatus
from casetrail.cases.service.commands import (
    ArchiveCase,
    AssignCase,
    ChangePriority,
    ChangeStatus,
    EditCase,
    EscalateCase,
    OpenCase,
    PostMessage,
    RestoreCase,
    TagCase,
    UnassignCase,
    UntagCase,
)
from casetrail.cases.service.results import CommandResult
from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.permissions import (
    MANAGES_CASES,
    READS_INTERNALS,
    WORKS_CASES,
    WRITES_CASES,
    ReadsInternals,
    WritesCases,
    forbidden,
)
from casetrail.platform.http.principals import Principal, Role
from casetrail.platform.http.problems import PROBLEMS
from casetrail.platform.http.request_log import note_for_log

POSITION_HEADER = "X-Casetrail-Position"

router = APIRouter(
    prefix="/support/cases", tags=["cases"], responses=PROBLEMS, dependencies=[Authenticated]
)


def case_read(ticket: Ticket) -> CaseRead:
    return case_read_from_ticket(ticket)


def describe(response: Response, result: CommandResult) -> None:
    response.headers["ETag"] = f'"{result.version}"'
    if result.position is not None:
        response.headers[POSITION_HEADER] = str(result.position)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseOpened,
    responses={201: {"links": CASE_OPENED_LINKS}},
)
def open_case(
    body: CaseCreate,
    desk: Desk,
    context: Context,
    request: Request,
    response: Response,
    principal: WritesCases,
) -> CaseOpened:
    if principal.role is Role.CUSTOMER and body.customer_id != principal.customer_id:
        raise forbidden("customers open cases for themselves only")
    result = desk.open_case(
        OpenCase(**body.model_dump(exclude={"tags"}), tags=tuple(body.tags)),
        context,
    )
    describe(response, result)
    note_for_log(request, ticket_id=str(result.case_id))
    response.headers["Location"] = f"/support/cases/{result.case_id}"
    case_number = result.case_number or desk.get_case(result.case_id).case_number
    return CaseOpened(
        id=result.case_id, case_number=case_number, status=CaseStatus.OPEN, version=result.version
    )


@router.get(
    "/{case_id}/history", response_model=CaseHistory, dependencies=[READS_INTERNALS, VISIBLE_CASE]
)
def case_history(case_id: UUID, desk: Desk, principal: ReadsInternals) -> CaseHistory:
    return CaseHistory(
        case_id=case_id,
        items=shown_history(
            principal,
            [
                HistoryEntryRead(
                    stream=entry.stream,
                    version=entry.version,
                    type=entry.type,
                    at=entry.at,
                    actor=ActorRead(subject=entry.actor_subject, role=entry.actor_role),
                    data=entry.data,
                )
                for entry in desk.case_history(case_id)
            ],
        ),
    )


@router.post(
    "/{case_id}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=MessagePosted,
    dependencies=[WRITES_CASES, VISIBLE_CASE],
)
def post_message(
    case_id: UUID,
    body: MessageCreate,
    desk: Desk,
    context: Context,
    response: Response,
    principal: WritesCases,
) -> MessagePosted:
    if principal.role is Role.CUSTOMER and body.internal:
        raise forbidden("customers cannot write internal notes")
    author_type, author_id = message_author(principal, body)
    result = desk.post_message(
        PostMessage(
            case_id=case_id,
            author_type=author_type,
            author_id=author_id,
            body=body.body,
            attachment_uri=str(body.attachment_uri) if body.attachment_uri else None,
            internal=body.internal,
        ),
        context,
    )
    describe(response, result)
    assert result.message_id is not None
    assert result.message_position is not None
    response.headers["Location"] = f"/support/cases/{case_id}/messages/{result.message_id}"
    return MessagePosted(
        message_id=result.message_id, case_id=case_id, position=result.message_position
    )


def message_author(principal: Principal, body: MessageCreate) -> tuple[AuthorType, str]:
    """The author is the caller, unless the caller's role may speak for others."""
    if may_speak_for_others(principal.role.value):
        return body.author_type or AuthorType.BOT, body.author_id or principal.subject
    if principal.role is Role.CUSTOMER:
        own = (AuthorType.CUSTOMER, principal.customer_id or principal.subject)
    else:
        own = (AuthorType.AGENT, principal.subject)
    if body.author_type not in (None, own[0]) or body.author_id not in (None, own[1]):
        raise forbidden(
            f"you post as yourself: author_type {own[0].value}, author_id {own[1]!r} "
            "(or leave both out)"
        )
    return own


def _changed(desk: Desk, result: CommandResult, response: Response, request: Request) -> CaseRead:
    """The case after a command, as staff see it (with its customer from the directory)."""
    describe(response, result)
    case = case_read(desk.get_case(result.case_id))
    return with_customers([case], known_customers(request).profiles([case.customer_id]))[0]


@router.post("/{case_id}/status", response_model=CaseRead, dependencies=[WORKS_CASES, VISIBLE_CASE])
def change_status(
    case_id: UUID,
    body: StatusChange,
    desk: Desk,
    context: Context,
    response: Response,
    request: Request,
) -> CaseRead:
    result = desk.change_status(ChangeStatus(case_id, body.status, body.reason), context)
    return _changed(desk, result, response, request)


@router.post(
    "/{case_id}/priority", response_model=CaseRead, dependencies=[WORKS_CASES, VISIBLE_CASE]
)
def change_priority(
    case_id: UUID,
    body: PriorityChange,
    desk: Desk,
    context: Context,
    response: Response,
    request: Request,
) -> CaseRead:
    result = desk.change_priority(ChangePriority(case_id, body.priority), context)
    return _changed(desk, result, response, request)


@router.put("/{case_id}/assignee", response_model=CaseRead, dependencies=[MANAGES_CASES])
def assign(
    case_id: UUID,
    body: Assignment,
    desk: Desk,
    context: Context,
    request: Request,
    response: Response,
) -> CaseRead:
    note_for_log(request, agent_id=body.agent_id)
    result = desk.assign_case(AssignCase(case_id, body.agent_id, body.reason), context)
    return _changed(desk, result, response, request)


@router.delete("/{case_id}/assignee", response_model=CaseRead, dependencies=[MANAGES_CASES])
def unassign(
    case_id: UUID, desk: Desk, context: Context, response: Response, request: Request
) -> CaseRead:
    result = desk.unassign_case(UnassignCase(case_id), context)
    return _changed(desk, result, response, request)


@router.post("/{case_id}/escalations", response_model=CaseRead, dependencies=[MANAGES_CASES])
def escalate(
    case_id: UUID,
    body: Escalation,
    desk: Desk,
    context: Context,
    response: Response,
    request: Request,
) -> CaseRead:
    result = desk.escalate_case(EscalateCase(case_id, body.reason), context)
    return _changed(desk, result, response, request)


@router.post("/{case_id}/tags", response_model=CaseRead, dependencies=[WORKS_CASES, VISIBLE_CASE])
def tag(
    case_id: UUID,
    body: TagsChange,
    desk: Desk,
    context: Context,
    response: Response,
    request: Request,
) -> CaseRead:
    result = desk.tag_case(TagCase(case_id, tuple(body.tags)), context)
    return _changed(desk, result, response, request)


@router.delete(
    "/{case_id}/tags/{tag}", response_model=CaseRead, dependencies=[WORKS_CASES, VISIBLE_CASE]
)
def untag(
    case_id: UUID, tag: str, desk: Desk, context: Context, response: Response, request: Request
) -> CaseRead:
    result = desk.untag_case(UntagCase(case_id, (tag,)), context)
    return _changed(desk, result, response, request)


@router.patch(
    "/{case_id}",
    response_model=CaseRead,
    dependencies=[WORKS_CASES, VISIBLE_CASE],
    summary="Change a case's subject, description, external reference or customer (only the "
    "fields sent; If-Match guards the version; each change is an event in its history)",
)
def edit_case(
    case_id: UUID,
    body: CaseUpdate,
    desk: Desk,
    context: Context,
    response: Response,
    request: Request,
) -> CaseRead:
    result = desk.edit_case(EditCase(case_id, body.model_dump(exclude_unset=True)), context)
    return _changed(desk, result, response, request)


@router.delete(
    "/{case_id}",
    response_model=CaseRead,
    dependencies=[WORKS_CASES, VISIBLE_CASE],
    summary="Archive a case: hidden from lists (?include_archived=true shows it), restorable, "
    "never destroyed (erasure is how personal data is destroyed)",
)
def archive_case(
    case_id: UUID,
    desk: Desk,
    context: Context,
    response: Response,
    request: Request,
) -> CaseRead:
    result = desk.archive_case(ArchiveCase(case_id), context)
    return _changed(desk, result, response, request)


@router.post(
    "/{case_id}/restore",
    response_model=CaseRead,
    dependencies=[WORKS_CASES, VISIBLE_CASE],
    summary="Bring an archived case back into the lists",
)
def restore_case(
    case_id: UUID,
    desk: Desk,
    context: Context,
    response: Response,
    request: Request,
) -> CaseRead:
    result = desk.restore_case(RestoreCase(case_id), context)
    return _changed(desk, result, response, request)
