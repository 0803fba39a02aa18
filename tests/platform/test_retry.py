"""The one retry policy: waits grow per failure in a row, are capped, and jitter as asked."""

from __future__ import annotations

import itertools

import pytest

from casetrail.commerce.processor import Backoff as CommerceBackoff
from casetrail.platform.retry import Backoff, Jitter
from casetrail.platform.subscriptions.supervisor import Backoff as SupervisorBackoff


def test_without_jitter_each_wait_doubles_up_to_the_cap() -> None:
    backoff = Backoff(first_seconds=0.5, max_seconds=3.0, jitter=Jitter.NONE)
    assert list(itertools.islice(backoff.delays(), 6)) == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]


@pytest.mark.parametrize(("jitter", "floor_share"), [(Jitter.HALF, 0.5), (Jitter.FULL, 0.0)])
def test_jittered_waits_stay_within_their_step_and_differ(
    jitter: Jitter, floor_share: float
) -> None:
    backoff = Backoff(first_seconds=1.0, max_seconds=8.0, jitter=jitter)
    for failures in range(1, 8):
        step = backoff.step(failures)
        waits = [backoff.delay(failures) for _ in range(200)]
        assert all(step * floor_share <= wait <= step for wait in waits)
        assert len(set(waits)) > 1, "callers failing together would retry in lockstep"


def test_a_long_run_of_failures_waits_the_cap_and_never_overflows() -> None:
    backoff = Backoff(first_seconds=0.1, max_seconds=30.0, jitter=Jitter.NONE)
    assert backoff.delay(10_000) == 30.0
    assert backoff.delay(0) == backoff.delay(1) == 0.1


def test_a_policy_that_could_not_wait_is_refused() -> None:
    with pytest.raises(ValueError, match="first_seconds"):
        Backoff(first_seconds=0.0)
    with pytest.raises(ValueError, match="first_seconds"):
        Backoff(first_seconds=5.0, max_seconds=1.0)


def test_the_supervisor_and_the_commerce_consumer_use_the_same_policy() -> None:
    assert SupervisorBackoff is Backoff
    commerce = CommerceBackoff(initial=0.2, maximum=1.0)
    assert isinstance(commerce, Backoff)
    assert list(itertools.islice(commerce.delays(), 4)) == [0.2, 0.4, 0.8, 1.0]
