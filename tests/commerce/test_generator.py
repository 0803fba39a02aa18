"""Generated streams look like a shop's: valid, keyed by customer, orders moving forward."""

from __future__ import annotations

from collections import Counter

from casetrail.commerce.decoding import Decoded, RawMessage, Rejection, decode
from casetrail.commerce.events import OrderStatusChanged
from casetrail.commerce.generator import CommerceStreamGenerator
from casetrail.commerce.topics import TopicMap


def decoded_stream(generator: CommerceStreamGenerator, count: int) -> list[Decoded | Rejection]:
    return [
        decode(RawMessage(message.topic, message.value, key=message.key), TopicMap())
        for message in generator.messages(count)
    ]


def test_a_clean_stream_is_valid_keyed_by_customer_and_covers_every_topic() -> None:
    results = decoded_stream(CommerceStreamGenerator(seed=7), 5_000)
    assert all(isinstance(result, Decoded) for result in results)
    events = [result.event for result in results if isinstance(result, Decoded)]
    assert all(
        result.message.key == result.event.customer_id.encode()
        for result in results
        if isinstance(result, Decoded)
    )
    topics = Counter(event.TOPIC for event in events)
    assert set(topics) == {
        "order.status.changed",
        "payment.authorized",
        "fraud.alert",
        "shipment.status.changed",
    }
    assert len({event.event_id for event in events}) == len(events)
    order_times = [event.occurred_at for event in events if isinstance(event, OrderStatusChanged)]
    assert order_times == sorted(order_times)


def test_the_same_seed_gives_the_same_stream() -> None:
    first = list(CommerceStreamGenerator(seed=5).messages(300))
    assert first == list(CommerceStreamGenerator(seed=5).messages(300))
    assert first != list(CommerceStreamGenerator(seed=6).messages(300))


def test_imperfections_come_in_the_proportions_asked_for() -> None:
    results = decoded_stream(
        CommerceStreamGenerator(seed=2, duplicate_rate=0.1, poison_rate=0.05, reorder_window=20),
        4_000,
    )
    assert len(results) == 4_000
    rejected = sum(isinstance(result, Rejection) for result in results)
    ids = [result.event.event_id for result in results if isinstance(result, Decoded)]
    assert 100 < rejected < 300
    assert 250 < len(ids) - len(set(ids)) < 550
