"""Dead letters keep the original message and say where it came from; a flood halts."""

from __future__ import annotations

import pytest

from casetrail.commerce.dead_letters import (
    DeadLetterLimit,
    DeadLetterLimitExceeded,
    dead_letter,
)
from casetrail.commerce.decoding import RawMessage, Rejection, RejectReason


def test_a_dead_letter_keeps_key_and_value_and_names_its_origin() -> None:
    message = RawMessage("payment.authorized", b"{oops", key=b"cust-9", partition=2, offset=41)
    letter = dead_letter(Rejection(message, RejectReason.NOT_JSON, "Invalid JSON"), "support")
    assert letter.topic == "payment.authorized.dlq"
    assert (letter.key, letter.value) == (b"cust-9", b"{oops")
    assert dict(letter.headers) == {
        "casetrail.dlq.original.topic": b"payment.authorized",
        "casetrail.dlq.original.partition": b"2",
        "casetrail.dlq.original.offset": b"41",
        "casetrail.dlq.reason": b"not-json",
        "casetrail.dlq.error": b"Invalid JSON",
        "casetrail.dlq.consumer.group": b"support",
    }


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_counts_within_a_sliding_window() -> None:
    clock = Clock()
    limit = DeadLetterLimit(limit=3, window_seconds=60, clock=clock)
    limit.check(2)
    limit.record(2)
    clock.now += 30
    limit.check(1)
    limit.record(1)
    with pytest.raises(DeadLetterLimitExceeded, match="limit of 3"):
        limit.check(1)
    clock.now += 31  # the first two left the window
    limit.check(2)


def test_a_limit_of_zero_halts_on_the_first_dead_letter() -> None:
    limit = DeadLetterLimit(limit=0, window_seconds=60)
    limit.check(0)
    with pytest.raises(DeadLetterLimitExceeded):
        limit.check(1)
