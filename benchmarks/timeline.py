"""The 360° timeline over HTTP: cached answers against a constant read from Redis through
the same server (the ceiling), then uncached reads through Trino and through the PostgreSQL
fallback.

Data: ``--scale 1`` loads 10,000 cases (two per customer, each with a message) and 100,000
commerce context events; ``--scale 10`` is the load test's 100,000 cases and 1,000,000 context
events. The load generator is asyncio + httpx on loopback, bounded at 1,000 requests in
flight for the cached path; uncached paths run at the concurrency an agent desk produces.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

import httpx
import psycopg
import redis

from benchmarks.harness import BenchContext, Figure, benchmark, percentile, progress
from casetrail.commands.messages import CommandContext, OpenCase, PostMessage
from casetrail.consumers.dead_letters import DeadLetterLimit
from casetrail.consumers.decoding import RawMessage
from casetrail.consumers.generator import CommerceStreamGenerator
from casetrail.consumers.ingest import RefusedLines
from casetrail.consumers.processor import BatchProcessor
from casetrail.consumers.topics import TopicMap
from casetrail.domain.values import Actor, AuthorType
from casetrail.infra.bootstrap import build_postgres_desk
from casetrail.infra.commerce.postgres_store import PostgresContextStore
from casetrail.infra.server_process import ServerProcess, start_server
from casetrail.infra.settings import Settings
from casetrail.infra.stack.stack import Stack
from casetrail.infra.timeline.foreign_schema import expose_timeline, remove_timeline
from casetrail.read_api.routes_benchmark import CONSTANT_KEY

BENCH_CONTEXT = CommandContext(actor=Actor(subject="bench", role="AGENT"))
CASES_PER_CUSTOMER = 2
CONTEXT_EVENTS_PER_CASE = 10
CACHED_CONCURRENCY = 1_000
SOURCE_HEADER = "x-casetrail-timeline-source"


@dataclass(frozen=True)
class Run:
    rate: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    sources: Counter[str]


async def http_load(base_url: str, paths: Sequence[str], concurrency: int) -> Run:
    """Every path once, ``concurrency`` requests in flight at a time."""
    latencies: list[float] = []
    sources: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    queue = iter(paths)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

        async def worker() -> None:
            for path in queue:
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path}: {response.status_code} {response.text}")
                sources[response.headers.get(SOURCE_HEADER, "constant")] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Run(
        rate=len(latencies) / elapsed,
        p50_ms=percentile(latencies, 0.5) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        sources=sources,
    )


def load(base_url: str, paths: Sequence[str], concurrency: int) -> Run:
    return asyncio.run(http_load(base_url, paths, concurrency))


def open_cases(database_url: str, count: int, customers: int) -> list[str]:
    desk = build_postgres_desk(database_url, Settings(database_pool_size=20))
    opened: list[str] = []
    try:

        def open_one(n: int) -> str:
            customer = f"cust-{n % customers:07d}"
            result = desk.open_case(
                OpenCase(customer, f"Order question {n}", "Where is my parcel?"), BENCH_CONTEXT
            )
            desk.post_message(
                PostMessage(result.case_id, AuthorType.CUSTOMER, customer, f"Case {n}: any news?"),
                BENCH_CONTEXT,
            )
            return str(result.case_id)

        with ThreadPoolExecutor(16) as pool:
            for number, case_id in enumerate(pool.map(open_one, range(count)), start=1):
                opened.append(case_id)
                if number % 5_000 == 0:
                    progress(f"{number:,} of {count:,} cases opened")
    finally:
        desk.close()
    return opened


def record_context(database_url: str, count: int, customers: int) -> None:
    store = PostgresContextStore(database_url)
    store.migrate()
    processor = BatchProcessor(
        store,
        RefusedLines(),
        topics=TopicMap(),
        group="benchmark",
        limit=DeadLetterLimit(None),
    )
    # Events of the last weeks, so that a timeline holds a customer's recent history.
    start = datetime.now(UTC) - timedelta(days=30)
    messages = CommerceStreamGenerator(customers=customers, start=start).messages(count)
    recorded = 0
    try:
        while batch := list(islice(messages, 5_000)):
            processor.process(
                [RawMessage(topic=item.topic, value=item.value, key=item.key) for item in batch]
            )
            recorded += len(batch)
            if recorded % 100_000 == 0 or recorded == count:
                progress(f"{recorded:,} of {count:,} context events recorded")
    finally:
        store.close()


def wait_for_projections(database_url: str, timeout: float = 1_800) -> None:
    deadline = time.monotonic() + timeout
    desk = build_postgres_desk(database_url, Settings(database_pool_size=2))
    try:
        head = desk.recorder.max_notification_id() or 0
    finally:
        desk.close()
    with psycopg.connect(database_url, autocommit=True) as conn:
        while True:
            row = conn.execute("SELECT min(notification_id) FROM projection_positions").fetchone()
            reached = row[0] if row is not None and row[0] is not None else 0
            if reached >= head:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("the projections did not catch up in time")
            progress(f"projections at {reached:,} of {head:,}")
            time.sleep(5)


def serve(work_dir: Path, database_url: str, **env: str) -> ServerProcess:
    return start_server(
        work_dir,
        database_url,
        extra_env={f"CASETRAIL_{name.upper()}": value for name, value in env.items()},
        timeout=600,
    )


def timeline_paths(case_ids: Sequence[str], count: int, *, unique: bool) -> list[str]:
    """``count`` timeline requests over the cases; ``unique`` makes each a cache miss (a
    different ``since`` far in the past: a different cache key, the same entries)."""
    paths = []
    for n in range(count):
        path = f"/support/cases/{case_ids[n % len(case_ids)]}?includeTimeline=true"
        if unique:
            path += f"&since=2000-01-01T00:00:00.{n % 1_000_000:06d}Z"
        paths.append(path)
    return paths


@benchmark("timeline")
def timeline(context: BenchContext) -> list[Figure]:
    stack = context.stack("trino", "redis")
    cases = context.count(10_000, minimum=1_000)
    customers = max(1, cases // CASES_PER_CUSTOMER)
    context_events = cases * CONTEXT_EVENTS_PER_CASE
    name = f"bench_timeline_{uuid.uuid4().hex[:8]}"
    stack.postgres.server.create_database(name)
    database_url = stack.postgres.dsn(name)
    try:
        progress(f"loading {cases:,} cases and {context_events:,} context events into {name}")
        case_ids = open_cases(database_url, cases, customers)
        record_context(database_url, context_events, customers)
        return measure(context, stack, database_url, name, case_ids)
    finally:
        remove_timeline(stack.postgres.dsn(), name)
        with psycopg.connect(stack.postgres.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def measure(
    context: BenchContext, stack: Stack, database_url: str, schema: str, case_ids: list[str]
) -> list[Figure]:
    figures: list[Figure] = []
    engines = {
        "redis_url": stack.redis.url,
        "timeline_trino_schema": schema,
        "timeline_benchmark_route": "true",
    }
    server = serve(
        context.work_dir / "timeline-trino",
        database_url,
        trino_url=stack.trino.url,
        # Long enough that the Trino path is measured, not the fallback.
        timeline_trino_timeout_seconds="30",
        **engines,
    )
    try:
        expose_timeline(stack.postgres.dsn(), schema, database_url)
        wait_for_projections(database_url)
        progress("warming Trino up")
        load(server.base_url, timeline_paths(case_ids[-50:], 50, unique=True), 4)

        progress("uncached through Trino")
        trino = load(server.base_url, timeline_paths(case_ids, 400, unique=True), 8)
        figures += [
            Figure("timeline uncached via Trino p50", trino.p50_ms, "ms"),
            Figure("timeline uncached via Trino p95", trino.p95_ms, "ms", target="≤ 500 ms"),
            Figure("timeline uncached via Trino p99", trino.p99_ms, "ms"),
            Figure("timeline uncached via Trino", trino.rate, "req/s"),
        ]
        progress(f"served by {dict(trino.sources)}")

        hot = case_ids[:500]
        progress(f"cached: {len(hot)} timelines, {CACHED_CONCURRENCY:,} requests in flight")
        load(server.base_url, timeline_paths(hot, len(hot), unique=False), 8)
        answer = httpx.get(server.base_url + timeline_paths(hot, 1, unique=False)[0]).content
        with redis.Redis.from_url(stack.redis.url) as client:
            client.set(CONSTANT_KEY, answer)
        total = context.count(20_000, minimum=5_000)
        paths = timeline_paths(hot, total, unique=False)
        ceiling = load(server.base_url, ["/_benchmark/redis-constant"] * total, CACHED_CONCURRENCY)
        cached = load(server.base_url, paths, CACHED_CONCURRENCY)
        progress(f"served by {dict(cached.sources)}; answers of {len(answer):,} bytes")
        name = "GET of a constant from Redis via the same server"
        figures += [
            Figure("timeline cached", cached.rate, "req/s", ceiling.rate, name, "≥ 0.7×"),
            Figure("timeline cached p50", cached.p50_ms, "ms", ceiling.p50_ms, name),
            Figure("timeline cached p99", cached.p99_ms, "ms", ceiling.p99_ms, name, "≤ 25 ms"),
        ]
    finally:
        server.stop()

    progress("Trino down: the PostgreSQL fallback")
    fallback_server = serve(
        context.work_dir / "timeline-fallback",
        database_url,
        trino_url="http://127.0.0.1:9",
        timeline_trino_retry_seconds="3600",
        **engines,
    )
    try:
        load(fallback_server.base_url, timeline_paths(case_ids[-50:], 50, unique=True), 4)
        fallback = load(fallback_server.base_url, timeline_paths(case_ids, 2_000, unique=True), 16)
        progress(f"served by {dict(fallback.sources)}")
        figures += [
            Figure("timeline PostgreSQL fallback p50", fallback.p50_ms, "ms"),
            Figure("timeline PostgreSQL fallback p95", fallback.p95_ms, "ms", target="≤ 30 ms"),
            Figure("timeline PostgreSQL fallback p99", fallback.p99_ms, "ms"),
            Figure("timeline PostgreSQL fallback", fallback.rate, "req/s"),
        ]
    finally:
        fallback_server.stop()
    return figures
