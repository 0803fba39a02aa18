"""What other contexts may use of the timeline: the view's name (for the analysts' masked
copy of it) and the ``?includeTimeline=true`` part of ``GET /support/cases/{id}``."""

from __future__ import annotations

from casetrail.timeline.api_deps import Timeline, case_with_timeline, get_case_timeline
from casetrail.timeline.schemas import CaseWithTimeline
from casetrail.timeline.view import TIMELINE_VIEW

__all__ = [
    "TIMELINE_VIEW",
    "CaseWithTimeline",
    "Timeline",
    "case_with_timeline",
    "get_case_timeline",
]
