"""The context store on a real PostgreSQL: the ordering rule in SQL, duplicates, positions
that serialize concurrent writers, and a value the database refuses."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import psycopg
import pytest

from casetrail.commerce.dead_letters import DeadLetterLimit
from casetrail.commerce.decoding import RawMessage
from casetrail.commerce.events import OrderStatusChanged
from casetrail.commerce.plan import plan_batch
from casetrail.commerce.postgres_store import PostgresContextStore
from casetrail.commerce.processor import BatchProcessor
from casetrail.commerce.schema import ORDERS
from casetrail.commerce.topics import TopicMap
from tests.fixtures.commerce_fakes import T0, MemoryDeadLetters, order_event

pytestmark = pytest.mark.integration


@pytest.fixture
def store(database_url: str) -> PostgresContextStore:
    store = PostgresContextStore(database_url)
    store.migrate()
    store.migrate()  # idempotent
    return store


def order_row(database_url: str, order_id: str = "ord-1") -> tuple[Any, ...] | None:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            f"SELECT status, status_event_id, first_seen_at FROM {ORDERS} WHERE order_id = %s",
            (order_id,),
        ).fetchone()


def apply(store: PostgresContextStore, *events: dict[str, Any]) -> dict[str, int]:
    with store.transaction() as transaction:
        return transaction.apply(plan_batch(OrderStatusChanged.model_validate(e) for e in events))


def test_an_older_event_never_overwrites_a_newer_row(
    store: PostgresContextStore, database_url: str
) -> None:
    apply(store, order_event("e-2", 10, "paid"))
    apply(store, order_event("e-1", 0, "placed"))
    assert order_row(database_url) == ("paid", "e-2", T0)  # first seen moved back all the same
    apply(store, order_event("e-3", 20, "shipped"))
    assert order_row(database_url)[:2] == ("shipped", "e-3")  # type: ignore[index]


def test_ties_break_on_the_event_id_in_byte_order_as_in_memory(
    store: PostgresContextStore, database_url: str
) -> None:
    # "B" < "a" in byte order (and in Python), unlike most linguistic collations.
    apply(store, order_event("e-a", 5, "paid"))
    apply(store, order_event("e-B", 5, "cancelled"))
    assert order_row(database_url)[:2] == ("paid", "e-a")  # type: ignore[index]
    in_memory = plan_batch(
        OrderStatusChanged.model_validate(order_event(event_id, 5, status))
        for event_id, status in (("e-B", "cancelled"), ("e-a", "paid"))
    )
    assert in_memory.orders["ord-1"].latest.event_id == "e-a"


def test_events_already_logged_are_counted_as_duplicates(store: PostgresContextStore) -> None:
    assert apply(store, order_event("e-1", 0), order_event("e-2", 1)) == {"order.status.changed": 2}
    assert apply(store, order_event("e-2", 1), order_event("e-3", 2)) == {"order.status.changed": 1}


def test_two_writers_of_one_partition_take_turns(
    store: PostgresContextStore, database_url: str
) -> None:
    other = PostgresContextStore(database_url)
    seen_by_second: list[dict[tuple[str, int], int]] = []
    first_holds = threading.Event()

    def second_writer() -> None:
        first_holds.wait()
        with other.transaction() as transaction:
            seen_by_second.append(transaction.lock_positions("g", {("t", 0)}))

    thread = threading.Thread(target=second_writer)
    thread.start()
    with store.transaction() as transaction:
        assert transaction.lock_positions("g", {("t", 0)}) == {("t", 0): 0}
        first_holds.set()
        time.sleep(0.5)
        assert not seen_by_second  # blocked on the lock
        transaction.save_positions("g", {("t", 0): 10})
    thread.join(10)
    assert seen_by_second == [{("t", 0): 10}]
    other.close()


def test_a_value_the_database_refuses_is_dead_lettered_and_the_rest_stored(
    store: PostgresContextStore, database_url: str
) -> None:
    # A constraint the producers do not know of (say, added by a later migration).
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE {ORDERS} ADD CONSTRAINT no_refunds CHECK (status <> 'refunded')")
    dead_letters = MemoryDeadLetters()
    processor = BatchProcessor(
        store, dead_letters, topics=TopicMap(), group="g", limit=DeadLetterLimit(None)
    )
    batch = [
        RawMessage(
            "order.status.changed",
            json.dumps(
                order_event(f"e-{n}", n, "refunded" if n == 6 else "placed", f"ord-{n}")
            ).encode(),
            partition=0,
            offset=n,
        )
        for n in range(10)
    ]
    result = processor.process(batch)
    assert (result.applied, result.dead_lettered) == (9, 1)
    assert result.positions == {("order.status.changed", 0): 10}
    [letter] = dead_letters.sent
    headers = dict(letter.headers)
    assert headers["casetrail.dlq.reason"] == b"refused-by-database"
    assert headers["casetrail.dlq.original.offset"] == b"6"
    assert b"no_refunds" in headers["casetrail.dlq.error"]
    assert order_row(database_url, "ord-6") is None
    assert order_row(database_url, "ord-7") is not None
