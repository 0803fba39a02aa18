"""What other contexts may use of the timeline: the view's name (for the analysts' masked
copy of it)."""

from __future__ import annotations

from casetrail.timeline.view import TIMELINE_VIEW

__all__ = ["TIMELINE_VIEW"]
