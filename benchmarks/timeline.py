"""The 360° timeline over HTTP: cached answers against a constant read from Redis through
the same server (the ceiling), then uncached reads through Trino and through the PostgreSQL
fallback.

Data: ``--scale 1`` loads 10,000 cases (two per customer, each with a message) and 100,000
commerce context events; ``--scale 10`` is the load test's 100,000 cases and 1,000,000 context
events. The load comes from wrk on loopback (``benchmarks.loopback``), a bounded number of
keep-alive connections for a fixed time: 1,000 requests in flight for the cached path and
its ceiling (and 50, for latency without a queue); uncached paths run at the concurrency an
agent desk produces. Which path answered is read from the server's own metrics.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

import httpx
import psycopg
import redis
from prometheus_client.parser import text_string_to_metric_families

from benchmarks.harness import BenchContext, Figure, benchmark, progress
from benchmarks.loopback import Run, http_load
from casetrail.bootstrap.event_store import build_postgres_desk
from casetrail.bootstrap.settings import Settings
from casetrail.cases.domain.values import AuthorType
from casetrail.cases.service.commands import CommandContext, OpenCase, PostMessage
from casetrail.commerce.dead_letters import DeadLetterLimit
from casetrail.commerce.decoding import RawMessage
from casetrail.commerce.generator import CommerceStreamGenerator
from casetrail.commerce.ingest import RefusedLines
from casetrail.commerce.postgres_store import PostgresContextStore
from casetrail.commerce.processor import BatchProcessor
from casetrail.commerce.topics import TopicMap
from casetrail.devstack.stack import Stack
from casetrail.kernel.actor import Actor
from casetrail.platform.http.principals import Role
from casetrail.platform.http.routes_benchmark import CONSTANT_KEY
from casetrail.platform.http.tokens import TokenPolicy, mint_token
from casetrail.platform.server_process import ServerProcess, start_server
from casetrail.timeline.foreign_schema import expose_timeline, remove_timeline

BENCH_CONTEXT = CommandContext(actor=Actor(subject="bench", role="AGENT"))
CASES_PER_CUSTOMER = 2
CONTEXT_EVENTS_PER_CASE = 10
CACHED_CONCURRENCY = 1_000
CACHED_LOW_CONCURRENCY = 50
# Timelines the cached runs cycle over: few enough to warm within the cache's 60 s.
HOT_CASES = 200


def supervisor_token() -> str:
    """A supervisor's development token (the timeline's callers are staff; a supervisor sees
    every case, so no per-request case check is measured along)."""
    return mint_token(TokenPolicy(), role=Role.SUPERVISOR, subject="bench", now=datetime.now(UTC))


def served_by(base_url: str) -> Counter[str]:
    """How many timeline answers came from each path so far (the server's own metrics)."""
    text = httpx.get(f"{base_url}/metrics", timeout=30).text
    counts: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "support_timeline_queries_total":
                counts[sample.labels["source"]] += int(sample.value)
            elif (
                sample.name == "support_timeline_cache_requests_total"
                and sample.labels["result"] == "hit"
            ):
                counts["cache"] += int(sample.value)
    return counts


def load(
    server: ServerProcess,
    paths: Sequence[str],
    concurrency: int,
    seconds: int,
    *,
    unique: bool = False,
    phase: int = 0,
) -> Run:
    before = served_by(server.base_url)
    run = http_load(
        server.base_url,
        paths,
        concurrency=concurrency,
        seconds=seconds,
        token=supervisor_token(),
        work_dir=server.log.parent,
        unique=unique,
        phase=phase,
    )
    served = served_by(server.base_url)
    served.subtract(before)
    progress(f"{run.requests:,} requests, served by {dict(+served)}")
    return run


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


def warm(server: ServerProcess, paths: Sequence[str]) -> bytes:
    """Ask for each timeline once (answers then live in the cache for 60 s); the last answer."""
    headers = {"Authorization": f"Bearer {supervisor_token()}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as client:

        def get(path: str) -> bytes:
            response = client.get(path)
            response.raise_for_status()
            return response.content

        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(get, paths))[-1]


def timeline_paths(case_ids: Sequence[str]) -> list[str]:
    return [f"/support/cases/{case_id}?includeTimeline=true" for case_id in case_ids]


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
        # The load is one client: its limit must not be what is measured.
        "rate_limit_per_minute": "1000000",
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
    paths = timeline_paths(case_ids)
    try:
        expose_timeline(stack.postgres.dsn(), schema, database_url)
        wait_for_projections(database_url)
        progress("warming Trino up")
        load(server, paths, 4, 5, unique=True, phase=1)

        progress("uncached, through Trino, 8 requests in flight")
        trino = load(server, paths, 8, 20, unique=True, phase=2)
        figures += [
            Figure("timeline uncached via Trino p50", trino.p50_ms, "ms"),
            Figure("timeline uncached via Trino p95", trino.p95_ms, "ms", target="≤ 500 ms"),
            Figure("timeline uncached via Trino p99", trino.p99_ms, "ms"),
            Figure("timeline uncached via Trino", trino.rate, "req/s"),
        ]

        hot = paths[:HOT_CASES]
        answer = warm(server, hot[:1])
        with redis.Redis.from_url(stack.redis.url) as client:
            client.set(CONSTANT_KEY, answer)
        progress(f"answers of {len(answer):,} bytes; the ceiling first")
        ceiling = load(server, ["/_benchmark/redis-constant?"], CACHED_CONCURRENCY, 15)
        progress(f"cached: {len(hot)} timelines, {CACHED_CONCURRENCY:,} requests in flight")
        warm(server, hot)
        cached = load(server, hot, CACHED_CONCURRENCY, 15)
        name = "GET of a constant from Redis via the same server"
        figures += [
            Figure("timeline cached", cached.rate, "req/s", ceiling.rate, name, "≥ 0.7×"),
            Figure("timeline cached p50", cached.p50_ms, "ms", ceiling.p50_ms, name),
            Figure("timeline cached p99", cached.p99_ms, "ms", ceiling.p99_ms, name, "≤ 25 ms"),
        ]
        progress(f"cached, {CACHED_LOW_CONCURRENCY} requests in flight")
        ceiling_low = load(server, ["/_benchmark/redis-constant?"], CACHED_LOW_CONCURRENCY, 10)
        warm(server, hot)
        cached_low = load(server, hot, CACHED_LOW_CONCURRENCY, 10)
        figures += [
            Figure(
                f"timeline cached ×{CACHED_LOW_CONCURRENCY}",
                cached_low.rate,
                "req/s",
                ceiling_low.rate,
                name,
            ),
            Figure(
                f"timeline cached ×{CACHED_LOW_CONCURRENCY} p99",
                cached_low.p99_ms,
                "ms",
                ceiling_low.p99_ms,
                name,
            ),
        ]
    finally:
        server.stop()

    progress("Trino down: the PostgreSQL fallback")
    fallback_server = serve(
        context.work_dir / "timeline-fallback",
        database_url,
        trino_url="http://127.0.0.1:9",
        timeline_trino_retry_seconds="600",
        **engines,
    )
    try:
        load(fallback_server, paths, 4, 5, unique=True, phase=3)
        for concurrency, phase in ((4, 4), (16, 5)):
            fallback = load(fallback_server, paths, concurrency, 15, unique=True, phase=phase)
            label = f"timeline PostgreSQL fallback ×{concurrency}"
            figures += [
                Figure(f"{label} p50", fallback.p50_ms, "ms"),
                Figure(f"{label} p95", fallback.p95_ms, "ms", target="≤ 30 ms"),
                Figure(f"{label} p99", fallback.p99_ms, "ms"),
                Figure(label, fallback.rate, "req/s"),
            ]
    finally:
        fallback_server.stop()
    return figures
