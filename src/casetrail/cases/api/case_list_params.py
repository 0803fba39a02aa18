"""Query parameters of case lists: filters, sort, page; each refused by name when wrong."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query
from pydantic import AwareDatetime

from casetrail.cases.api.case_views import LIST_FIELDS
from casetrail.cases.api.query_deps import parse_choices
from casetrail.cases.api.schemas import MAX_TAG
from casetrail.cases.domain.priority import PRIORITY_RANKS
from casetrail.cases.domain.values import (
    CASE_NUMBER_PATTERN,
    CaseStatus,
    Channel,
    Priority,
    parse_case_number,
)
from casetrail.cases.queries import CaseFilter, CaseQuery, CaseSort, SortKey
from casetrail.kernel.ids import MAX_ID
from casetrail.platform.http.cursors import (
    CURSOR_DESCRIPTION,
    CURSOR_PATTERN,
    MAX_CURSOR_LENGTH,
    InvalidCursor,
    decode_cursor,
)
from casetrail.platform.http.parameters import invalid_parameter

MAX_LIMIT = 100
MAX_SEARCH = 500
_FIELD_NAME = "(" + "|".join(LIST_FIELDS) + ")"
FIELDS_PATTERN = f"^{_FIELD_NAME}(,{_FIELD_NAME})*$"

StatusParam = Annotated[
    list[str] | None,
    Query(
        description="open, pending_customer, on_hold, resolved, closed; repeat or comma-separate."
    ),
]
PriorityParam = Annotated[
    list[str] | None, Query(description="urgent, high, medium, low; repeat or comma-separate.")
]
ChannelParam = Annotated[
    list[str] | None,
    Query(description="email, chat, phone, sms, web, api; repeat or comma-separate."),
]
TagParam = Annotated[
    list[Annotated[str, Query(min_length=1, max_length=MAX_TAG)]] | None,
    Query(description="Cases carrying every one of these tags."),
]
TimeParam = Annotated[AwareDatetime | None, Query(description="RFC 3339 time with its offset.")]
BeforeParam = Annotated[
    AwareDatetime | None,
    Query(description="RFC 3339 time with its offset, later than the matching *_after (or 422)."),
]


def case_filter(
    status: StatusParam = None,
    priority: PriorityParam = None,
    channel: ChannelParam = None,
    tag: TagParam = None,
    unassigned: Annotated[bool, Query(description="Only cases with no assignee.")] = False,
    created_after: TimeParam = None,
    created_before: BeforeParam = None,
    updated_after: TimeParam = None,
    updated_before: BeforeParam = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_SEARCH,
            description="Full-text search over subject and description (web search syntax: "
            'words, "quoted phrases", -excluded, or); a case number alone (`CS-000123`) '
            "finds that case.",
        ),
    ] = None,
    case_number: Annotated[
        str | None,
        Query(
            description="The case with this number (`CS-000123`; case and leading zeros "
            "do not matter).",
            max_length=21,
            pattern=CASE_NUMBER_PATTERN,
        ),
    ] = None,
    include_archived: Annotated[
        bool, Query(description="Also list archived cases (DELETE /support/cases/{id}).")
    ] = False,
) -> CaseFilter:
    _ordered("created", created_after, created_before)
    _ordered("updated", updated_after, updated_before)
    text = q.strip() or None if q is not None else None
    number = parse_case_number(case_number) if case_number is not None else None
    if number is None and text is not None and (number := parse_case_number(text)) is not None:
        text = None  # people paste the number they were read out into the search box
    return CaseFilter(
        statuses=parse_choices("status", status, CaseStatus),
        priorities=parse_choices("priority", priority, Priority),
        channels=parse_choices("channel", channel, Channel),
        tags=tuple(sorted({value.strip().lower() for value in tag or ()})),
        unassigned=unassigned,
        created_after=created_after,
        created_before=created_before,
        updated_after=updated_after,
        updated_before=updated_before,
        text=text,
        case_number=number,
        include_archived=include_archived,
    )


IdParam = Annotated[str | None, Query(min_length=1, max_length=MAX_ID)]


class PageParams:
    """Sort, page size, cursor and field selection of a case list."""

    def __init__(
        self,
        sort: Annotated[
            CaseSort,
            Query(
                description="-created_at (newest first, the default), created_at, "
                "-updated_at, updated_at, priority (most urgent, then oldest, first), or "
                "sla_due (the soonest SLA deadline first, cases without one last)."
            ),
        ] = CaseSort.NEWEST,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 25,
        cursor: Annotated[
            str | None,
            Query(
                min_length=1,
                max_length=MAX_CURSOR_LENGTH,
                description=CURSOR_DESCRIPTION,
                json_schema_extra={"pattern": CURSOR_PATTERN},
            ),
        ] = None,
        fields: Annotated[
            str | None,
            Query(
                max_length=1_000,
                description="Comma-separated fields to return (id always); an unknown name is"
                " a 422.",
                json_schema_extra={"pattern": FIELDS_PATTERN},
            ),
        ] = None,
    ) -> None:
        self.sort = sort
        self.limit = limit
        self.cursor = cursor
        self.fields = _fields(fields)

    def query(self, wanted: CaseFilter) -> CaseQuery:
        after = None
        if self.cursor is not None:
            try:
                values = decode_cursor(self.cursor, "cases", scope(wanted, self.sort))
                after = _sort_key(self.sort, values)
            except InvalidCursor as error:
                invalid_parameter("cursor", str(error))
        return CaseQuery(filter=wanted, sort=self.sort, limit=self.limit, after=after)


def scope(wanted: CaseFilter, sort: CaseSort) -> str:
    """A fingerprint of a list query, which its cursors carry."""
    canonical = json.dumps([asdict(wanted), sort.value], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def cursor_key(key: SortKey) -> list[Any]:
    return [
        value.isoformat()
        if isinstance(value, datetime)
        else str(value)
        if isinstance(value, UUID)
        else value
        for value in key
    ]


def _sort_key(sort: CaseSort, values: list[Any]) -> SortKey:
    try:
        if sort is CaseSort.PRIORITY_THEN_AGE:
            rank, created_at, case_id = values
            if type(rank) is not int or rank not in PRIORITY_RANKS:
                raise ValueError(rank)
            return (rank, _aware(created_at), UUID(case_id))
        at, case_id = values
        return (_aware(at), UUID(case_id))
    except (TypeError, ValueError, AttributeError):
        raise InvalidCursor("the cursor is not one this API issued") from None


def _aware(value: Any) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(value)
    return parsed


def _fields(value: str | None) -> frozenset[str] | None:
    if value is None:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in LIST_FIELDS]
    if not names or unknown:
        invalid_parameter(
            "fields",
            f"unknown field {', '.join(map(repr, unknown))}: choose from {', '.join(LIST_FIELDS)}"
            if unknown
            else "name at least one field",
        )
    return frozenset(names)


def _ordered(what: str, after: datetime | None, before: datetime | None) -> None:
    if after is not None and before is not None and after >= before:
        invalid_parameter(f"{what}_before", f"{what}_before must be later than {what}_after")
