"""Read-your-writes over HTTP: a client sends a command's position back on a query, and the
answer says when the read models had not caught up with it in time."""

from __future__ import annotations

# The position the answer must include (a command's X-Casetrail-Position).
MIN_POSITION_HEADER = "X-Casetrail-Min-Position"
# Set to "true" on an answer given before the read models reached that position.
STALE_HEADER = "X-Casetrail-Stale"
