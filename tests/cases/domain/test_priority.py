"""The order of priorities: most urgent first, one rank per priority."""

from __future__ import annotations

from casetrail.cases.domain.priority import MOST_URGENT_FIRST, PRIORITY_RANKS, priority_rank
from casetrail.cases.domain.values import Priority


def test_urgent_ranks_before_high_before_medium_before_low() -> None:
    ranks = [priority_rank(name) for name in ("urgent", "high", "medium", "low")]
    assert ranks == [0, 1, 2, 3]


def test_every_priority_has_a_rank_of_its_own() -> None:
    assert set(MOST_URGENT_FIRST) == set(Priority)
    assert {priority_rank(priority) for priority in Priority} == PRIORITY_RANKS
    assert len(PRIORITY_RANKS) == len(Priority)


def test_sorting_by_rank_puts_the_most_urgent_first() -> None:
    ordered = sorted([Priority.LOW, Priority.URGENT, Priority.MEDIUM], key=priority_rank)
    assert ordered == [Priority.URGENT, Priority.MEDIUM, Priority.LOW]
