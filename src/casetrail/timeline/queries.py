"""The one query both readers send to the timeline view, in each engine's dialect.

Entries come newest first (so a capped answer keeps the most recent ones), one more than
asked for (to tell whether older ones were left out); the reader puts them back in time order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from casetrail.timeline.model import TimelineEntry, TimelineQuery

SELECTED = "at, kind, source, summary, payload, entry_id, internal"


def timeline_sql(relation: str, query: TimelineQuery, placeholder: str) -> tuple[str, list[Any]]:
    """``SELECT`` over ``relation`` with ``placeholder`` for parameters (``%s``, ``?``)."""
    conditions = [f"case_id = {placeholder}"]
    params: list[Any] = [query.case_id]
    if query.since is not None:
        conditions.append(f"at >= {placeholder}")
        params.append(query.since)
    if query.until is not None:
        conditions.append(f"at < {placeholder}")
        params.append(query.until)
    if not query.include_internal:
        conditions.append("NOT internal")
    params.append(query.limit + 1)
    statement = (
        f"SELECT {SELECTED} FROM {relation} WHERE {' AND '.join(conditions)}"
        f" ORDER BY at DESC, entry_id DESC LIMIT {placeholder}"
    )
    return statement, params


def entry_from_row(row: Sequence[Any]) -> TimelineEntry:
    at, kind, source, summary, payload, entry_id, internal = row
    return TimelineEntry(
        # Both engines answer in UTC; the same zone object makes answers compare equal.
        at=at.astimezone(UTC) if isinstance(at, datetime) else at,
        kind=kind,
        source=source,
        summary=summary,
        payload=payload,
        entry_id=entry_id,
        internal=bool(internal),
    )
