"""Commerce events from Kafka into PostgreSQL, against confluent-kafka's raw consume rate.

The ceiling is a bare confluent-kafka consumer reading the same messages from the same local
broker and touching each value, in the same run. casetrail does much more per message:
validates it against its schema, plans the batch, copies it into PostgreSQL, upserts four
projections and the event log, and stores the positions in the same transaction. Its rate is
timed from the moment the consumer holds its partitions to the moment the last position is
stored. Memory is sampled while it runs: it must stay flat whatever the number of messages.

python -m benchmarks --only consume              # 200,000 messages
python -m benchmarks --only consume --scale 5    # 1,000,000
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from confluent_kafka.cimpl import NewTopic
from prometheus_client import CollectorRegistry

from benchmarks.harness import BenchContext, Figure, benchmark, progress
from casetrail.bootstrap.commerce import build_consumer, tune_garbage_collector_for_batches
from casetrail.bootstrap.settings import Settings
from casetrail.commerce.generator import CommerceStreamGenerator
from casetrail.commerce.producer import produce_generated
from casetrail.commerce.topics import TopicMap
from casetrail.devstack.stack import Stack

PARTITIONS = 3
CUSTOMERS = 50_000


def resident_megabytes() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def local_kafka() -> Iterator[Stack]:
    """The stack's Kafka, started for this run unless it already runs (then left running)."""
    stack = Stack(Settings(), report=progress)
    launched = stack.up(only=["kafka"]).launched
    try:
        yield stack
    finally:
        if launched:
            stack.down(only=launched)


def create_topics(stack: Stack, topics: TopicMap) -> None:
    admin = stack.kafka.admin()
    names = topics.names + topics.dead_letter_names
    futures = admin.create_topics(
        [NewTopic(name, num_partitions=PARTITIONS, replication_factor=1) for name in names]
    )
    for future in futures.values():
        future.result(timeout=60)


def delete_topics(stack: Stack, topics: TopicMap) -> None:
    admin = stack.kafka.admin()
    for future in admin.delete_topics(
        list(topics.names + topics.dead_letter_names), operation_timeout=60
    ).values():
        future.result(timeout=60)


def raw_consume_rate(bootstrap: str, topics: TopicMap, count: int) -> float:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-raw-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
        }
    )
    consumer.assign(
        [
            TopicPartition(topic, partition, OFFSET_BEGINNING)
            for topic in topics.names
            for partition in range(PARTITIONS)
        ]
    )
    received = 0
    started = time.perf_counter()
    try:
        while received < count:
            for message in consumer.consume(num_messages=5_000, timeout=1.0):
                if message.error() is None:
                    message.value()
                    received += 1
    finally:
        consumer.close()
    return count / (time.perf_counter() - started)


def casetrail_rate(settings: Settings, count: int) -> tuple[float, float]:
    """Events per second into PostgreSQL, and the growth of resident memory in MB."""
    assert settings.database_url is not None
    tune_garbage_collector_for_batches()  # as `casetrail consume` does
    registry = CollectorRegistry()
    stop = threading.Event()
    running = build_consumer(settings, str(settings.database_url), registry=registry, stop=stop)
    thread = threading.Thread(target=running.consumer.run)
    thread.start()

    def consumed() -> float:
        return sum(
            sample.value
            for metric in registry.collect()
            if metric.name == "casetrail_commerce_messages_consumed"
            for sample in metric.samples
            if sample.name.endswith("_total")
        )

    try:
        while not running.consumer.assignment:
            time.sleep(0.01)
        started = time.perf_counter()
        early_memory = 0.0
        reported = 0
        while (done := consumed()) < count:
            if not thread.is_alive():
                raise RuntimeError("the consumer stopped before the end")
            if not early_memory and done >= count * 0.2:
                early_memory = resident_megabytes()
            if done - reported >= count / 10:
                reported = int(done)
                progress(f"casetrail: {reported:,} of {count:,}")
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        growth = resident_megabytes() - early_memory
    finally:
        stop.set()
        thread.join(60)
        running.close()
    return count / elapsed, growth


@benchmark("consume")
def consume(context: BenchContext) -> list[Figure]:
    count = context.count(200_000, minimum=10_000)
    topics = TopicMap(prefix=f"bench.{uuid.uuid4().hex[:8]}.")
    with local_kafka() as stack:
        bootstrap = stack.kafka.bootstrap_servers
        create_topics(stack, topics)
        try:
            progress(f"producing {count:,} commerce events")
            messages = CommerceStreamGenerator(customers=CUSTOMERS, seed=1).messages(count)
            produce_generated(bootstrap, messages, topics)
            progress("raw confluent-kafka consume")
            ceiling = raw_consume_rate(bootstrap, topics, count)
            progress(f"raw: {ceiling:,.0f} messages/s; casetrail consume into PostgreSQL")
            settings = Settings(
                database_url=context.fresh_database(),  # type: ignore[arg-type]
                kafka_bootstrap_servers=bootstrap,
                commerce_topic_prefix=topics.prefix,
                commerce_consumer_group=f"bench-{uuid.uuid4().hex[:8]}",
            )
            rate, memory_growth = casetrail_rate(settings, count)
        finally:
            delete_topics(stack, topics)
    return [
        Figure(
            f"commerce events Kafka → PostgreSQL ({count:,})",
            rate,
            "events/s",
            ceiling=ceiling,
            ceiling_name="raw confluent-kafka consume",
            target="≥ 0.5× and ≥ 20,000/s",
        ),
        Figure(
            "consumer resident memory growth, 20% → 100%",
            memory_growth,
            "MB",
            target="flat (≈ 0)",
        ),
    ]
