"""The timeline's answer cache in this process's memory: the embedded default's.

Same rules as the Redis cache (generations, stamps, 60 s), bounded in size. Only commits
made in this process invalidate it: `casetrail serve` runs the projections and consumers
in-process by default; processes run apart should share a Redis instead.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable
from uuid import UUID

from casetrail.cases.published import conversation_id_for_case
from casetrail.timeline.answer_cache import CachedAnswer, Lookup, decode_answer, encode_answer

# Longer than any read of the timeline may take (its queries time out well before).
FORGET_AFTER_SECONDS = 300.0


class MemoryAnswerCache:
    def __init__(
        self,
        *,
        ttl_seconds: float = 60.0,
        max_answers: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max_answers = max_answers
        self._clock = clock
        # Bumped from runner threads, read on the event loop: one short lock for both.
        self._lock = threading.Lock()
        # Stream -> (generation, when bumped). Generations come from one counter, so a
        # forgotten one is never handed out again.
        self._generations: dict[str, tuple[int, float]] = {}
        self._counter = 0
        self._answers: OrderedDict[tuple[UUID, str], tuple[float, bytes]] = OrderedDict()

    async def lookup(self, case_id: UUID, variant: str) -> Lookup:
        with self._lock:
            conversation_id = conversation_id_for_case(case_id)
            stamp = f"{self._generation(case_id)}.{self._generation(conversation_id)}"
            stored = self._answers.get((case_id, variant))
        if stored is None or stored[0] <= self._clock():
            return Lookup(None, stamp)
        return Lookup(decode_answer(stored[1], stamp), stamp)

    async def store(self, case_id: UUID, variant: str, stamp: str, answer: CachedAnswer) -> None:
        with self._lock:
            key = (case_id, variant)
            self._answers[key] = (self._clock() + self._ttl, encode_answer(stamp, answer))
            self._answers.move_to_end(key)
            while len(self._answers) > self._max_answers:
                self._answers.popitem(last=False)

    def bump(self, stream_ids: Iterable[UUID | str]) -> None:
        now = self._clock()
        with self._lock:
            for stream_id in stream_ids:
                self._counter += 1
                self._generations[str(stream_id)] = (self._counter, now)
            if len(self._generations) > self._max_answers:
                self._forget_generations(now)

    def delete_answers(self, case_ids: Collection[UUID | str]) -> int:
        """Delete every cached answer of these cases (an erasure); answers how many."""
        cases = {str(case_id) for case_id in case_ids}
        with self._lock:
            doomed = [key for key in self._answers if str(key[0]) in cases]
            for key in doomed:
                del self._answers[key]
        return len(doomed)

    def _generation(self, stream_id: UUID) -> int:
        return self._generations.get(str(stream_id), (0, 0.0))[0]

    def _forget_generations(self, now: float) -> None:
        """Generations bumped longer ago than any answer lives, plus any read, can take:
        an answer stamped with one is gone, and a read started before the bump has ended."""
        horizon = now - FORGET_AFTER_SECONDS - self._ttl
        for key in [key for key, (_, bumped) in self._generations.items() if bumped < horizon]:
            del self._generations[key]
