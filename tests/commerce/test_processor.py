"""The batch processor on fakes: exactly-once effect, dead letters, retries, the limit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from casetrail.commerce.dead_letters import DeadLetterLimit, DeadLetterLimitExceeded
from casetrail.commerce.decoding import RawMessage
from casetrail.commerce.metrics import ConsumerMetrics
from casetrail.commerce.processor import Backoff, BatchProcessor, ProcessingStopped
from casetrail.commerce.topics import TopicMap
from tests.fixtures.commerce_fakes import MemoryDeadLetters, MemoryStore, order_event

TOPIC = "order.status.changed"
GROUP = "support"


class Harness:
    def __init__(self, limit: int = 100) -> None:
        self.store = MemoryStore()
        self.dead_letters = MemoryDeadLetters()
        self.registry = CollectorRegistry()
        self.waits: list[float] = []
        self.keep_waiting = True
        self.processor = BatchProcessor(
            self.store,
            self.dead_letters,
            topics=TopicMap(),
            group=GROUP,
            limit=DeadLetterLimit(limit, 60),
            metrics=ConsumerMetrics(self.registry),
            backoff=Backoff(initial=0.1, maximum=0.4),
            wait=self.wait,
        )

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        return self.keep_waiting

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, {"topic": TOPIC, **labels}) or 0.0

    @property
    def statuses(self) -> dict[str, str]:
        return {key: row.latest.status.value for key, row in self.store.state.orders.items()}

    @property
    def position(self) -> int | None:
        return self.store.state.positions.get((GROUP, TOPIC, 0))


def message(offset: int, value: dict[str, Any] | bytes, partition: int = 0) -> RawMessage:
    body = value if isinstance(value, bytes) else json.dumps(value).encode()
    return RawMessage(TOPIC, body, key=b"cust-1", partition=partition, offset=offset)


def test_a_batch_is_applied_and_its_positions_stored_with_it() -> None:
    harness = Harness()
    result = harness.processor.process(
        [
            message(0, order_event("e-1", 0, "placed")),
            message(1, order_event("e-2", 5, "paid")),
            message(0, order_event("e-3", 0, "placed", order_id="ord-2"), partition=1),
        ]
    )
    assert harness.statuses == {"ord-1": "paid", "ord-2": "placed"}
    assert result.positions == {(TOPIC, 0): 2, (TOPIC, 1): 1}
    assert harness.store.state.positions == {(GROUP, TOPIC, 0): 2, (GROUP, TOPIC, 1): 1}
    assert (result.consumed, result.applied, result.duplicates) == (3, 3, 0)
    assert harness.metric("casetrail_commerce_events_applied_total") == 3


def test_a_redelivered_batch_changes_nothing() -> None:
    harness = Harness()
    batch = [message(0, order_event("e-1", 0)), message(1, order_event("e-2", 5, "paid"))]
    harness.processor.process(batch)
    before = harness.store.state
    result = harness.processor.process(batch)
    assert harness.store.state == before
    assert (result.applied, result.duplicates) == (0, 2)
    assert harness.metric("casetrail_commerce_duplicates_total") == 2


def test_the_same_event_at_a_new_offset_is_a_duplicate() -> None:
    harness = Harness()
    harness.processor.process([message(0, order_event("e-1", 0, "placed"))])
    result = harness.processor.process([message(1, order_event("e-1", 0, "placed"))])
    assert (result.applied, result.duplicates) == (0, 1)
    assert len(harness.store.state.log) == 1
    assert harness.position == 2  # the offset moves on all the same


def test_an_older_status_arriving_later_never_moves_the_order_back() -> None:
    harness = Harness()
    harness.processor.process([message(0, order_event("e-3", 30, "shipped"))])
    harness.processor.process(
        [message(1, order_event("e-1", 0, "placed")), message(2, order_event("e-2", 10, "paid"))]
    )
    row = harness.store.state.orders["ord-1"]
    assert row.latest.status == "shipped"
    assert row.first_seen_at == harness.store.state.log["e-1"].occurred_at
    assert len(harness.store.state.log) == 3  # the log keeps every event all the same


def test_poison_goes_to_the_dead_letter_topic_and_the_rest_is_applied() -> None:
    harness = Harness()
    result = harness.processor.process(
        [
            message(0, order_event("e-1", 0)),
            message(1, b"{not json"),
            message(2, {**order_event("e-2", 1), "total_amount": "lots"}),
            message(3, order_event("e-3", 2, "paid")),
        ]
    )
    assert harness.statuses == {"ord-1": "paid"}
    assert harness.position == 4
    assert result.dead_lettered == 2
    letters = harness.dead_letters.sent
    assert [letter.topic for letter in letters] == [f"{TOPIC}.dlq"] * 2
    assert [dict(letter.headers)["casetrail.dlq.original.offset"] for letter in letters] == [
        b"1",
        b"2",
    ]
    assert [dict(letter.headers)["casetrail.dlq.reason"] for letter in letters] == [
        b"not-json",
        b"invalid",
    ]
    assert harness.metric("casetrail_commerce_dead_letters_total", reason="invalid") == 1


def test_past_the_dead_letter_limit_the_batch_halts_and_nothing_is_stored() -> None:
    harness = Harness(limit=1)
    harness.processor.process([message(0, b"bad")])
    with pytest.raises(DeadLetterLimitExceeded):
        harness.processor.process([message(1, order_event("e-1", 0)), message(2, b"bad again")])
    assert harness.position == 1
    assert harness.store.state.orders == {}
    assert len(harness.dead_letters.sent) == 1


def test_a_database_outage_is_retried_with_backoff_and_nothing_is_skipped() -> None:
    harness = Harness()
    harness.store.fail_next = 4
    result = harness.processor.process([message(0, order_event("e-1", 0))])
    assert harness.waits == [0.1, 0.2, 0.4, 0.4]
    assert result.retries == 4
    assert harness.statuses == {"ord-1": "placed"}
    assert harness.position == 1
    assert harness.store.commits == 1
    assert (
        harness.registry.get_sample_value("casetrail_commerce_retries_total", {"cause": "database"})
        == 4
    )


def test_an_unacknowledged_dead_letter_stores_nothing_until_it_is() -> None:
    harness = Harness()
    harness.dead_letters.fail_next = 1
    harness.processor.process([message(0, order_event("e-1", 0)), message(1, b"bad")])
    assert harness.waits == [0.1]
    assert harness.store.commits == 1
    assert len(harness.dead_letters.sent) == 1
    assert harness.position == 2


def test_stopping_while_waiting_for_the_database_stores_nothing() -> None:
    harness = Harness()
    harness.store.fail_next = 1
    harness.keep_waiting = False
    with pytest.raises(ProcessingStopped, match="consumed again"):
        harness.processor.process([message(0, order_event("e-1", 0))])
    assert harness.position is None
    assert harness.store.state.log == {}
    assert harness.metric("casetrail_commerce_messages_consumed_total") == 0


def test_messages_without_a_position_are_applied_without_one() -> None:
    harness = Harness()
    loose = RawMessage(TOPIC, json.dumps(order_event("e-1", 0)).encode())
    result = harness.processor.process([loose])
    assert result.positions == {}
    assert harness.statuses == {"ord-1": "placed"}
