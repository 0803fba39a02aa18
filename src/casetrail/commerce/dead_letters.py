"""Dead letters: where poison goes, what it is stamped with, and when to stop sending it.

A dead letter keeps the original key and value untouched and names, in headers, the topic,
partition and offset it came from and why it was refused, so it can be inspected and
replayed. A sudden flood of dead letters usually means a bad deploy (ours or the
producer's): past a limit the consumer halts instead of draining the topic into the DLQ.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from casetrail.commerce.decoding import Rejection
from casetrail.commerce.topics import dead_letter_topic

HEADER_PREFIX = "casetrail.dlq."
ORIGINAL_TOPIC = HEADER_PREFIX + "original.topic"
ORIGINAL_PARTITION = HEADER_PREFIX + "original.partition"
ORIGINAL_OFFSET = HEADER_PREFIX + "original.offset"
REASON = HEADER_PREFIX + "reason"
ERROR = HEADER_PREFIX + "error"
CONSUMER_GROUP = HEADER_PREFIX + "consumer.group"


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


def dead_letter(rejection: Rejection, consumer_group: str) -> DeadLetter:
    message = rejection.message
    headers = [
        (ORIGINAL_TOPIC, message.topic.encode()),
        (ORIGINAL_PARTITION, str(message.partition).encode()),
        (ORIGINAL_OFFSET, str(message.offset).encode()),
        (REASON, rejection.reason.value.encode()),
        (ERROR, rejection.error.encode()),
        (CONSUMER_GROUP, consumer_group.encode()),
    ]
    return DeadLetter(dead_letter_topic(message.topic), message.key, message.value, headers)


class DeadLetterLimitExceeded(RuntimeError):
    """More poison than the limit allows: the consumer halts, its offsets stay put."""


class DeadLetterLimit:
    """At most ``limit`` dead letters within any ``window_seconds`` (0: halt on the first;
    None: no limit, for loading a file, where every refused line is reported instead)."""

    def __init__(
        self,
        limit: int | None,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._sent: deque[tuple[float, int]] = deque()
        self._in_window = 0

    def check(self, count: int) -> None:
        """Raise if sending ``count`` more now would break the limit; sends nothing."""
        if count == 0 or self.limit is None:
            return
        self._forget_old()
        if self._in_window + count > self.limit:
            raise DeadLetterLimitExceeded(
                f"{self._in_window + count} messages would go to the dead-letter topics within"
                f" {self.window_seconds:g}s, more than the limit of {self.limit}"
                " (CASETRAIL_COMMERCE_DLQ_LIMIT); halting so that a bad deploy does not drain"
                " the topics — fix the producer or raise the limit, then restart"
            )

    def record(self, count: int) -> None:
        if count:
            self._sent.append((self._clock(), count))
            self._in_window += count

    def _forget_old(self) -> None:
        horizon = self._clock() - self.window_seconds
        while self._sent and self._sent[0][0] <= horizon:
            self._in_window -= self._sent.popleft()[1]
