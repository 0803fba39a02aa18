"""What the timeline context publishes: ``?includeTimeline=true`` on the cases context's case
route (the timeline itself is a view the read side creates, and a cache the API role holds)."""

from __future__ import annotations

from casetrail.platform.context_wiring import ContextWiring
from casetrail.timeline.api_deps import CASE_TIMELINE

TIMELINE = ContextWiring(name="timeline")

__all__ = ["CASE_TIMELINE", "TIMELINE"]
