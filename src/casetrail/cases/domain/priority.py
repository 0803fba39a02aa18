"""The order of priorities: the most urgent case comes first.

Ranks ascend from the most urgent, so that "priority, then age" sorts every part of its key
in the same direction and keyset pagination stays a single row comparison.
"""

from __future__ import annotations

from casetrail.cases.domain.values import Priority

MOST_URGENT_FIRST: tuple[Priority, ...] = (
    Priority.URGENT,
    Priority.HIGH,
    Priority.MEDIUM,
    Priority.LOW,
)

PRIORITY_RANKS: frozenset[int] = frozenset(range(len(MOST_URGENT_FIRST)))


def priority_rank(priority: Priority | str) -> int:
    """0 for the most urgent priority, then one more for each step down."""
    return MOST_URGENT_FIRST.index(Priority(priority))
