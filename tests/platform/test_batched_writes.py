"""Writes made at the same time share one transaction; each caller hears its own result, or
the batch's failure."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from casetrail.platform.batched_writes import BatchedWrites


def test_concurrent_writes_share_batches_and_each_gets_its_result() -> None:
    release = threading.Event()
    batches: list[list[int]] = []

    def write(items: Sequence[int]) -> list[int]:
        release.wait(5)  # the first batch holds the others back, so they queue up
        batches.append(list(items))
        return [item * 10 for item in items]

    writes: BatchedWrites[int, int] = BatchedWrites(write, name="test-batched-writes")
    with ThreadPoolExecutor(20) as pool:
        futures = [pool.submit(writes.submit, number) for number in range(20)]
        threading.Timer(0.2, release.set).start()
        results = [future.result(timeout=10) for future in futures]
    writes.close()

    assert results == [number * 10 for number in range(20)]
    assert sorted(item for batch in batches for item in batch) == list(range(20))
    assert len(batches) < 20, "callers waiting together were not written together"


def test_every_caller_of_a_failed_batch_hears_of_it() -> None:
    def write(items: Sequence[int]) -> list[int]:
        raise RuntimeError("the database went away")

    writes: BatchedWrites[int, int] = BatchedWrites(write, name="test-batched-writes")
    with pytest.raises(RuntimeError, match="went away"):
        writes.submit(1)
    writes.close()


def test_a_write_answering_the_wrong_number_of_results_fails_its_callers() -> None:
    writes: BatchedWrites[int, int] = BatchedWrites(lambda items: [], name="test-batched-writes")
    with pytest.raises(ValueError, match="0 results for a batch of 1"):
        writes.submit(1)
    writes.close()
