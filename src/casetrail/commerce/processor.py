"""One batch of messages → context rows, dead letters and stored positions, all or nothing.

The order of steps inside one database transaction is what makes the effect exactly-once:

1. lock the partitions' stored positions and drop messages below them (already applied by
   an earlier run or by another consumer that held the partition before a rebalance);
2. send the poison among the rest to the dead-letter topics and wait for the broker's
   acknowledgement (so a crash can repeat a dead letter but never lose one);
3. write the rows and the new positions, and commit.

A transient failure (database or broker away) rolls everything back and retries the same
batch with backoff, for as long as it takes: nothing is skipped and no position moves.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from casetrail.commerce.dead_letters import DeadLetterLimit, dead_letter
from casetrail.commerce.decoding import Decoded, RawMessage, Rejection, RejectReason, decode
from casetrail.commerce.metrics import ConsumerMetrics
from casetrail.commerce.plan import BatchPlan, plan_batch
from casetrail.commerce.ports import (
    ContextChanges,
    ContextStore,
    ContextTransaction,
    DeadLetterSink,
    Positions,
    StoreRefused,
    StoreUnavailable,
    TransientError,
)
from casetrail.commerce.topics import TopicMap
from casetrail.platform.retry import Backoff as RetryBackoff
from casetrail.platform.retry import Jitter

logger = logging.getLogger(__name__)

# Waits ``seconds`` (serving the broker meanwhile); False when the consumer is asked to stop.
Wait = Callable[[float], bool]


def sleep_wait(seconds: float) -> bool:
    time.sleep(seconds)
    return True


class Backoff(RetryBackoff):
    """The platform's retry policy as the commerce consumer is configured: first wait
    ``initial`` seconds, doubling up to ``maximum`` (``CASETRAIL_COMMERCE_RETRY_MAX_SECONDS``),
    without jitter: one consumer per partition retries, and its log shows the exact waits."""

    def __init__(self, initial: float = 0.2, maximum: float = 30.0) -> None:
        super().__init__(first_seconds=initial, max_seconds=maximum, jitter=Jitter.NONE)


class ProcessingStopped(RuntimeError):
    """Asked to stop while a batch waited for a retry; none of the batch was stored."""


@dataclass(frozen=True)
class PreparedBatch:
    items: Sequence[Decoded | Rejection]
    plan: BatchPlan  # of all its events; planned again if some prove to be applied already
    started: float


@dataclass
class BatchResult:
    consumed: int = 0
    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    retries: int = 0
    # The stored position of every partition the batch touched, after it.
    positions: Positions = field(default_factory=dict)

    def then(self, later: BatchResult) -> BatchResult:
        """This result followed by that of the rest of the batch."""
        return BatchResult(
            consumed=self.consumed + later.consumed,
            applied=self.applied + later.applied,
            duplicates=self.duplicates + later.duplicates,
            dead_lettered=self.dead_lettered + later.dead_lettered,
            retries=self.retries + later.retries,
            positions={**self.positions, **later.positions},
        )


class BatchProcessor:
    def __init__(
        self,
        store: ContextStore,
        dead_letters: DeadLetterSink,
        *,
        topics: TopicMap,
        group: str,
        limit: DeadLetterLimit,
        metrics: ConsumerMetrics | None = None,
        backoff: Backoff | None = None,
        wait: Wait = sleep_wait,
        timeline: ContextChanges | None = None,
    ) -> None:
        self.store = store
        self.dead_letters = dead_letters
        self.topics = topics
        self.group = group
        self.limit = limit
        self.metrics = metrics
        self.backoff = backoff or Backoff()
        self.wait = wait
        # Told after each commit, so cached timelines of these customers' cases are dropped.
        self.timeline = timeline

    def process(self, messages: Sequence[RawMessage]) -> BatchResult:
        return self.store_batch(self.prepare(messages))

    def prepare(self, messages: Sequence[RawMessage]) -> PreparedBatch:
        """The CPU-bound half (decode, validate, plan), which a consumer may run for the next
        batch while the previous one is being stored."""
        started = time.perf_counter()
        decoded = [decode(message, self.topics) for message in messages]
        plan = plan_batch(item.event for item in decoded if isinstance(item, Decoded))
        return PreparedBatch(decoded, plan, started)

    def store_batch(self, prepared: PreparedBatch) -> BatchResult:
        result = self._store_finding_refusals(prepared.items, prepared.plan)
        if self.metrics is not None:
            self.metrics.batch_seconds.observe(time.perf_counter() - prepared.started)
            self.metrics.batch_size.observe(len(prepared.items))
        return result

    def _store_finding_refusals(
        self, decoded: Sequence[Decoded | Rejection], plan: BatchPlan | None = None
    ) -> BatchResult:
        """Store the batch; when the database refuses a value, halve the batch until the one
        message it refuses is found, and dead-letter that message like any other poison.
        Halves keep the messages' order, so positions still only move forward."""
        try:
            return self._store_retrying(decoded, plan)
        except StoreRefused as error:
            events = [index for index, item in enumerate(decoded) if isinstance(item, Decoded)]
            if not events:
                raise
            if len(events) == 1:
                index = events[0]
                logger.warning("the database refused %s: %s", decoded[index].message, error)
                refused = Rejection(decoded[index].message, RejectReason.REFUSED, str(error))
                return self._store_finding_refusals(
                    [*decoded[:index], refused, *decoded[index + 1 :]]
                )
            cut = events[len(events) // 2]
            first = self._store_finding_refusals(decoded[:cut])
            return first.then(self._store_finding_refusals(decoded[cut:]))

    def _store_retrying(
        self, decoded: Sequence[Decoded | Rejection], plan: BatchPlan | None
    ) -> BatchResult:
        delays = self.backoff.delays()
        retries = 0
        while True:
            try:
                result = self._store(decoded, plan)
                break
            except TransientError as error:
                retries += 1
                delay = next(delays)
                cause = "database" if isinstance(error, StoreUnavailable) else "dead-letters"
                if self.metrics is not None:
                    self.metrics.retries.labels(cause).inc()
                logger.warning(
                    "%s; keeping the batch of %d and retrying in %.1fs (attempt %d)",
                    error,
                    len(decoded),
                    delay,
                    retries,
                )
                if not self.wait(delay):
                    raise ProcessingStopped(
                        f"stopped while retrying a batch of {len(decoded)} messages; none of"
                        " it was stored, it will be consumed again"
                    ) from error
        if retries:
            logger.info("batch stored after %d retries", retries)
        result.retries = retries
        return result

    def _store(self, decoded: Sequence[Decoded | Rejection], plan: BatchPlan | None) -> BatchResult:
        with self.store.transaction() as transaction:
            result, counts = self._store_in(transaction, decoded, plan)
        if self.timeline is not None and result.applied:
            self.timeline.context_changed(*_customers_and_orders(decoded))
        self.limit.record(result.dead_lettered)
        # Counted only once the transaction committed: a rolled-back attempt changed nothing.
        if self.metrics is not None:
            for (kind, topic), count in counts.items():
                self.metrics.count(kind, topic, count)
        return result

    def _store_in(
        self,
        transaction: ContextTransaction,
        decoded: Sequence[Decoded | Rejection],
        plan: BatchPlan | None,
    ) -> tuple[BatchResult, Counter[tuple[str, str]]]:
        counts: Counter[tuple[str, str]] = Counter()
        partitions = {item.message.position for item in decoded} - {None}
        stored = (
            transaction.lock_positions(self.group, partitions)  # type: ignore[arg-type]
            if partitions
            else {}
        )
        fresh: list[Decoded | Rejection] = []
        for item in decoded:
            counts["consumed", item.message.topic] += 1
            if _already_applied(item.message, stored):
                counts["duplicates", item.message.topic] += 1
            else:
                fresh.append(item)

        rejections = [item for item in fresh if isinstance(item, Rejection)]
        self.limit.check(len(rejections))
        if rejections:
            self.dead_letters.send([dead_letter(item, self.group) for item in rejections])
            for item in rejections:
                counts[f"dead-letter:{item.reason.value}", item.message.topic] += 1

        events = [item for item in fresh if isinstance(item, Decoded)]
        if plan is None or len(fresh) < len(decoded):
            plan = plan_batch(item.event for item in events)
        new_by_event_topic = transaction.apply(plan) if len(plan) else {}
        per_topic: Counter[str] = Counter(item.message.topic for item in events)
        new_total = 0
        for topic, received in per_topic.items():
            event_topic = self.topics.event_topic(topic) or topic
            new = new_by_event_topic.get(event_topic, 0)
            new_total += new
            counts["applied", topic] += new
            counts["duplicates", topic] += received - new

        positions = _next_positions(decoded, stored)
        if positions:
            transaction.save_positions(self.group, positions)
        result = BatchResult(
            consumed=len(decoded),
            applied=new_total,
            duplicates=len(decoded) - len(fresh) + len(events) - new_total,
            dead_lettered=len(rejections),
            positions=positions,
        )
        return result, counts


def _customers_and_orders(decoded: Sequence[Decoded | Rejection]) -> tuple[set[str], set[str]]:
    events = [item.event for item in decoded if isinstance(item, Decoded)]
    orders = {event.related_order_id for event in events if event.related_order_id is not None}
    return {event.customer_id for event in events}, orders


def _already_applied(message: RawMessage, stored: Positions) -> bool:
    position = message.position
    if position is None or message.offset is None:
        return False
    return message.offset < stored.get(position, 0)


def _next_positions(decoded: Sequence[Decoded | Rejection], stored: Positions) -> Positions:
    positions: Positions = {}
    for item in decoded:
        message = item.message
        position = message.position
        if position is None or message.offset is None:
            continue
        next_offset = max(message.offset + 1, stored.get(position, 0))
        positions[position] = max(positions.get(position, 0), next_offset)
    return positions
