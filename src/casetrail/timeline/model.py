"""The 360° case timeline as the rest of casetrail sees it: the question, the answer, and the
ports that engines implement (readers of the view, the invalidation of cached answers).

The timeline itself is the SQL view ``vw_support_case_timeline`` over the case events, the
messages and the commerce context; infra defines it and reads it (through Trino, or straight
from PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from casetrail.cases.published import CASE_EVENTS, CASE_LIST, CASE_MESSAGES

# The projections the timeline view reads: an answer includes a command once all of them
# have applied it (read-your-writes).
TIMELINE_PROJECTIONS = (CASE_LIST, CASE_MESSAGES, CASE_EVENTS)

DEFAULT_LIMIT = 200
MAX_LIMIT = 1_000


@dataclass(frozen=True)
class TimelineQuery:
    case_id: UUID
    limit: int = DEFAULT_LIMIT
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    include_internal: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ValueError("since must be before until")

    @property
    def variant(self) -> str:
        """Everything but the case that changes the answer, as a short stable text (one cached
        answer per case and variant)."""
        since = self.since.isoformat() if self.since is not None else ""
        until = self.until.isoformat() if self.until is not None else ""
        return f"{self.limit}|{since}|{until}|{int(self.include_internal)}"


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    source: str  # case, conversation or commerce
    summary: str
    payload: str  # JSON text, as the view holds it
    entry_id: str  # unique per entry; orders entries of one instant
    internal: bool


@dataclass(frozen=True)
class TimelinePage:
    # The most recent entries (at most ``limit``) within the window, oldest first.
    entries: list[TimelineEntry]
    # Older entries of the window were left out (ask again with ``until`` to see them).
    truncated: bool


def page_from_newest_first(rows: list[TimelineEntry], limit: int) -> TimelinePage:
    """Readers fetch ``limit + 1`` entries, newest first; this keeps ``limit`` of them and puts
    them in time order."""
    return TimelinePage(entries=rows[:limit][::-1], truncated=len(rows) > limit)


class TimelineReader(Protocol):
    """Reads the timeline view (blocking; callers run it off the event loop)."""

    name: str

    def read(self, query: TimelineQuery) -> TimelinePage: ...


class TimelineInvalidation(Protocol):
    """Told after a commit that changed what some timelines show, so cached answers for
    them are dropped. Never raises: a failure is the implementation's to report and retry."""

    def streams_changed(self, stream_ids: Iterable[UUID]) -> None:
        """Events of these cases or conversations were committed (projected)."""
        ...

    def context_changed(self, customer_ids: Collection[str], order_ids: Collection[str]) -> None:
        """Commerce events of these customers and orders were committed."""
        ...
