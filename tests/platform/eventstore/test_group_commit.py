from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent

from casetrail.platform.eventstore.group_commit import CommitConflict, GroupCommitter
from casetrail.platform.eventstore.ports import IdempotencyRecord


def stored(name: str) -> StoredEvent:
    from uuid import uuid4

    return StoredEvent(originator_id=uuid4(), originator_version=1, topic=name, state=b"{}")


class FakeStore:
    """Commits batches; refuses any batch containing a 'conflict' event."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.next_id = 1
        self.release = threading.Event()
        self.release.set()
        self.writing = threading.Event()

    def write(
        self, events: Sequence[StoredEvent], records: Sequence[IdempotencyRecord]
    ) -> list[int]:
        self.writing.set()
        assert self.release.wait(timeout=10)
        topics = [event.topic for event in events]
        if "conflict" in topics:
            raise IntegrityError("duplicate")
        if "down" in topics:
            raise OperationalError("database down")
        self.batches.append(topics)
        ids = list(range(self.next_id, self.next_id + len(events)))
        self.next_id += len(events)
        return ids


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.001)


def test_concurrent_commands_share_a_transaction_and_get_their_own_ids() -> None:
    store = FakeStore()
    store.release.clear()
    committer = GroupCommitter(store.write)
    results: dict[str, list[int]] = {}

    def submit(name: str) -> None:
        results[name] = committer.commit([stored(name), stored(name)], None)

    blocker = threading.Thread(target=submit, args=("first",))
    blocker.start()
    assert store.writing.wait(timeout=10)  # the first batch is being written
    others = [threading.Thread(target=submit, args=(f"c{n}",)) for n in range(10)]
    for thread in others:
        thread.start()
    wait_until(lambda: committer._queue.qsize() == 10)
    store.release.set()
    for thread in [blocker, *others]:
        thread.join()
    committer.close()
    assert len(store.batches) == 2  # the ten waiting commands went together
    all_ids = [id_ for ids in results.values() for id_ in ids]
    assert sorted(all_ids) == list(range(1, 23))
    assert all(len(ids) == 2 and ids[1] == ids[0] + 1 for ids in results.values())


def test_a_conflicting_command_fails_alone() -> None:
    store = FakeStore()
    store.release.clear()
    committer = GroupCommitter(store.write)
    outcomes: dict[str, object] = {}

    def submit(name: str) -> None:
        try:
            outcomes[name] = committer.commit([stored(name)], None)
        except CommitConflict as conflict:
            outcomes[name] = conflict

    first = threading.Thread(target=submit, args=("first",))
    first.start()
    assert store.writing.wait(timeout=10)
    threads = [threading.Thread(target=submit, args=(name,)) for name in ["a", "conflict", "b"]]
    for thread in threads:
        thread.start()
    wait_until(lambda: committer._queue.qsize() == 3)
    store.release.set()
    first.join()
    for thread in threads:
        thread.join()
    committer.close()
    assert isinstance(outcomes["conflict"], CommitConflict)
    assert isinstance(outcomes["a"], list)
    assert isinstance(outcomes["b"], list)
    assert sorted(topic for batch in store.batches for topic in batch) == ["a", "b", "first"]


def test_a_database_failure_reaches_every_waiting_caller() -> None:
    committer = GroupCommitter(FakeStore().write)
    with pytest.raises(OperationalError):
        committer.commit([stored("down")], None)
    assert committer.commit([stored("fine")], None) == [1]
    committer.close()
