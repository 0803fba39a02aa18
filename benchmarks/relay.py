"""Publishing case events to Kafka, against confluent-kafka's raw produce rate.

The ceiling is a Python producer with the relay's own settings (idempotent, acks=all, lz4)
sending ready-made messages of the same size. The relay also reads the log from
PostgreSQL, decodes events and builds each message, and waits for Kafka's acknowledgement
before recording its position. End-to-end latency runs from a command's acknowledgement to
the moment a consumer sees its message.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from confluent_kafka import Consumer, Producer
from prometheus_client import CollectorRegistry

from benchmarks.harness import BenchContext, Figure, benchmark, percentile, progress
from casetrail.bootstrap.event_store import build_postgres_desk
from casetrail.bootstrap.settings import Settings
from casetrail.cases.outbound.relay import CaseEventRelay, producer_config
from casetrail.cases.service.commands import CommandContext, OpenCase
from casetrail.kernel.actor import Actor

CONTEXT = CommandContext(actor=Actor(subject="bench", role="AGENT"))


def raw_produce_rate(bootstrap: str, topic: str, count: int, message: bytes) -> float:
    producer = Producer(producer_config(bootstrap))
    started = time.perf_counter()
    for n in range(count):
        while True:
            try:
                producer.produce(topic, key=str(n % 5000).encode(), value=message)
                break
            except BufferError:
                producer.poll(0.05)
    producer.flush(60)
    return count / (time.perf_counter() - started)


def open_cases(database_url: str, count: int) -> None:
    desk = build_postgres_desk(database_url, Settings(database_pool_size=20))
    try:
        with ThreadPoolExecutor(16) as pool:
            list(
                pool.map(
                    lambda n: desk.open_case(
                        OpenCase(f"cust-{n % 997}", f"Case {n}", "bench", tags=("bench",)),
                        CONTEXT,
                    ),
                    range(count),
                )
            )
    finally:
        desk.close()


def relay_rate(database_url: str, bootstrap: str, prefix: str, count: int) -> float:
    desk = build_postgres_desk(database_url, Settings())
    registry = CollectorRegistry()
    relay = CaseEventRelay(desk, database_url, bootstrap, registry, topic_prefix=prefix)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    started = time.perf_counter()
    thread.start()
    try:
        while (
            registry.get_sample_value(
                "casetrail_relay_published_total", {"topic": "support.case.opened"}
            )
            or 0
        ) < count:
            time.sleep(0.01)
        # Published means produced; the batch is done once Kafka acknowledged it.
        while registry.get_sample_value("casetrail_relay_lag_events") != 0:
            time.sleep(0.01)
        return count / (time.perf_counter() - started)
    finally:
        stop.set()
        thread.join(30)
        desk.close()


def end_to_end_latency(
    database_url: str, bootstrap: str, prefix: str, count: int
) -> tuple[float, float]:
    desk = build_postgres_desk(database_url, Settings())
    registry = CollectorRegistry()
    relay = CaseEventRelay(desk, database_url, bootstrap, registry, topic_prefix=prefix)
    stop = threading.Event()
    relay_thread = threading.Thread(target=relay.run, args=(stop,))
    relay_thread.start()
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-{uuid.uuid4().hex}",
            # The topic is new to this run: reading it whole misses nothing.
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": 5,
            "topic.metadata.refresh.interval.ms": 500,
        }
    )
    consumer.subscribe([prefix + "support.case.opened"])
    acknowledged: dict[bytes, float] = {}
    seen: dict[bytes, float] = {}
    try:
        # The first message creates the topic; once the consumer has its partitions, it
        # misses nothing that follows.
        desk.open_case(OpenCase("warm-up", "warm-up", ""), CONTEXT)
        while not consumer.assignment():
            consumer.poll(0.1)

        def receive() -> None:
            while len(seen) < count + 1 and not stop.is_set():  # + the warm-up
                message = consumer.poll(0.05)
                if message is not None and not message.error():
                    seen[message.key() or b""] = time.perf_counter()

        receiver = threading.Thread(target=receive)
        receiver.start()
        for n in range(count):
            result = desk.open_case(OpenCase(f"cust-{n}", f"Latency {n}", ""), CONTEXT)
            acknowledged[str(result.case_id).encode()] = time.perf_counter()
            time.sleep(0.01)  # a steady 100 commands/s, not a burst
        receiver.join(60)
    finally:
        stop.set()
        relay_thread.join(30)
        consumer.close()
        desk.close()
    latencies = [seen[key] - at for key, at in acknowledged.items() if key in seen]
    if len(latencies) < count:
        raise RuntimeError(f"only {len(latencies)} of {count} messages arrived")
    return percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000


@benchmark("relay")
def relay_benchmark(context: BenchContext) -> list[Figure]:
    stack = context.stack("kafka")
    bootstrap = stack.kafka.bootstrap_servers
    count = context.count(20_000)
    prefix = f"bench.{uuid.uuid4().hex[:8]}."
    database_url = context.fresh_database()
    progress(f"opening {count:,} cases to publish")
    open_cases(database_url, count)
    sample = (b'{"event_id":"' + str(uuid.uuid4()).encode() + b'","x":"') + b"y" * 520 + b'"}'
    progress("raw confluent-kafka produce")
    raw = raw_produce_rate(bootstrap, prefix + "raw", count, sample)
    progress("relay catch-up")
    relayed = relay_rate(database_url, bootstrap, prefix, count)
    progress("end-to-end latency at 100 commands/s")
    p50, p99 = end_to_end_latency(
        context.fresh_database(), bootstrap, f"bench.{uuid.uuid4().hex[:8]}.", context.count(500)
    )
    return [
        Figure("raw confluent-kafka produce", raw, "msg/s"),
        Figure("relay publish (catch-up)", relayed, "msg/s", raw, "raw produce", "≥ 0.5×"),
        Figure("command ack → consumer, p50", p50, "ms"),
        Figure("command ack → consumer, p99", p99, "ms", target="≤ 500 ms"),
    ]
