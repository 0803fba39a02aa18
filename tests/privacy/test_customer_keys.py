"""Customer keys and stream owners on PostgreSQL, written by many commands at once."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from casetrail.kernel.actor import Actor
from casetrail.privacy.keys import PostgresCustomerKeys

CALLERS = 32
CUSTOMERS = 8


def test_callers_asking_at_once_for_a_new_customers_key_all_get_the_same_one(
    database_url: str,
) -> None:
    keys = PostgresCustomerKeys(database_url)
    try:
        with ThreadPoolExecutor(CALLERS) as pool:
            asked = [f"customer-{number % CUSTOMERS}" for number in range(CALLERS)]
            answers = list(pool.map(lambda customer: keys.key(customer, create=True), asked))
        by_customer: dict[str, set[bytes | None]] = {}
        for customer, key in zip(asked, answers, strict=True):
            by_customer.setdefault(customer, set()).add(key)
        assert all(len(found) == 1 and None not in found for found in by_customer.values())
        assert len({next(iter(found)) for found in by_customer.values()}) == CUSTOMERS
        for customer, found in by_customer.items():
            assert keys.key(customer, create=False) in found
    finally:
        keys.close()


def test_owners_recorded_at_once_are_all_kept_and_a_destroyed_key_is_never_made_again(
    database_url: str,
) -> None:
    keys = PostgresCustomerKeys(database_url)
    try:
        streams = {f"customer-{n % CUSTOMERS}": [] for n in range(CUSTOMERS)}
        work = []
        for number in range(CALLERS):
            customer = f"customer-{number % CUSTOMERS}"
            pair = [uuid.uuid4(), uuid.uuid4()]
            streams[customer].extend(pair)
            work.append((customer, pair))
        with ThreadPoolExecutor(CALLERS) as pool:
            list(pool.map(lambda job: keys.record_owner(*job), work))
        for customer, owned in streams.items():
            assert sorted(keys.streams(customer)) == sorted(owned)
            assert keys.owner(owned[0]) == customer

        keys.key("customer-0", create=True)
        actor = Actor(subject="ops", role="supervisor")
        assert keys.destroy("customer-0", actor, "asked to", datetime.now(UTC))
        assert keys.key("customer-0", create=True) is None
    finally:
        keys.close()
