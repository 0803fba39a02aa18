"""Command throughput and latency, against PostgreSQL's raw single-row insert+commit rate.

The ceiling is what a Python client gets from PostgreSQL when every row is its own durable
transaction, at the same concurrency. Our commands do more (load, decide, serialise), and
win back by committing concurrent commands together.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

from benchmarks.harness import BenchContext, Figure, benchmark, percentile, progress
from benchmarks.wrk_load import run_wrk
from casetrail.bootstrap.event_store import build_postgres_desk
from casetrail.bootstrap.settings import Settings
from casetrail.cases.domain.values import AuthorType
from casetrail.cases.service.commands import CommandContext, OpenCase, PostMessage
from casetrail.kernel.actor import Actor
from casetrail.platform.http.principals import Role
from casetrail.platform.http.tokens import TokenPolicy, mint_token
from casetrail.platform.server_process import start_server

BENCH_ACTOR = Actor(subject="bench", role="AGENT")
EVENT_LIKE_ROW = b'{"customer_id":"cust-1","subject":"Parcel never arrived"}' * 5


@dataclass(frozen=True)
class Run:
    rate: float
    p50_ms: float
    p99_ms: float


def run_threads(concurrency: int, total: int, operation: Callable[[int], None]) -> Run:
    """``total`` operations spread over ``concurrency`` threads; rate and latency."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_thread = total // concurrency

    def work(thread_number: int) -> None:
        mine: list[float] = []
        for n in range(per_thread):
            started = time.perf_counter()
            operation(thread_number * per_thread + n)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return Run(
        rate=len(latencies) / elapsed,
        p50_ms=percentile(latencies, 0.5) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
    )


def raw_commit_rate(database_url: str, concurrency: int, total: int) -> Run:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS raw_commits (originator_id uuid, originator_version bigint,"
            " topic text, state bytea, notification_id bigserial,"
            " PRIMARY KEY (originator_id, originator_version))"
        )
    connections = [psycopg.connect(database_url, autocommit=True) for _ in range(concurrency)]
    per_thread = max(1, total // concurrency)

    def insert(n: int) -> None:
        connections[n // per_thread].execute(
            "INSERT INTO raw_commits (originator_id, originator_version, topic, state)"
            " VALUES (%s, 1, 'raw', %s)",
            (uuid.uuid4(), EVENT_LIKE_ROW),
            prepare=True,
        )

    try:
        return run_threads(concurrency, per_thread * concurrency, insert)
    finally:
        for conn in connections:
            conn.close()


def in_process_rates(database_url: str, concurrency: int, total: int) -> tuple[Run, Run]:
    settings = Settings(database_url=database_url, database_pool_size=concurrency + 4)  # type: ignore[arg-type]
    desk = build_postgres_desk(database_url, settings)
    context = CommandContext(actor=BENCH_ACTOR)
    try:
        opened: list[uuid.UUID] = []

        def open_case(n: int) -> None:
            result = desk.open_case(
                OpenCase(customer_id=f"cust-{n % 997}", subject=f"Case {n}", description="x"),
                context,
            )
            opened.append(result.case_id)

        opens = run_threads(concurrency, total, open_case)

        def post_message(n: int) -> None:
            desk.post_message(
                PostMessage(opened[n % len(opened)], AuthorType.CUSTOMER, "cust-1", f"msg {n}"),
                context,
            )

        posts = run_threads(concurrency, total, post_message)
        return opens, posts
    finally:
        desk.close()


# One client at full speed: far past any sensible rate limit, which is not what is measured.
UNLIMITED = {"CASETRAIL_RATE_LIMIT_PER_MINUTE": "1000000"}


def bench_token() -> str:
    """A supervisor's development token: every case is theirs, so no case check is measured."""
    return mint_token(TokenPolicy(), role=Role.SUPERVISOR, subject="bench", now=datetime.now(UTC))


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
local cases = {%s}
local n = 0
request = function()
  n = n + 1
  if #cases == 0 then
    return wrk.format(nil, "/support/cases",
      nil, '{"customer_id":"cust-' .. (n %% 997) .. '","subject":"Case ' .. n .. '"}')
  end
  return wrk.format(nil, "/support/cases/" .. cases[(n %% #cases) + 1] .. "/messages",
    nil, '{"body":"m' .. n .. '"}')
end
"""


def http_load(
    base_url: str, concurrency: int, seconds: int, case_ids: list[str], work_dir: Path
) -> Run:
    """A bounded load on loopback: ``concurrency`` connections for ``seconds`` seconds."""
    cases = ", ".join(f'"{case_id}"' for case_id in case_ids)
    result = run_wrk(
        base_url,
        WRK_SCRIPT % (bench_token(), cases),
        work_dir / f"load-{concurrency}-{len(case_ids)}.lua",
        concurrency=concurrency,
        seconds=seconds,
    )
    return Run(rate=result.rate, p50_ms=result.p50_ms, p99_ms=result.p99_ms)


def http_rates(
    work_dir: Path, database_url: str, concurrency: int, seconds: int
) -> tuple[Run, Run]:
    server = start_server(
        work_dir / f"http-{concurrency}",
        database_url,
        extra_args=("--no-workers",),
        extra_env={"CASETRAIL_DATABASE_POOL_SIZE": str(concurrency + 4), **UNLIMITED},
    )
    try:
        opens = http_load(server.base_url, concurrency, seconds, [], work_dir)
        case_ids = [
            httpx.post(
                f"{server.base_url}/support/cases",
                json={"customer_id": "c", "subject": "s"},
                headers={"Authorization": f"Bearer {bench_token()}"},
            ).json()["id"]
            for _ in range(50)
        ]
        posts = http_load(server.base_url, concurrency, seconds, case_ids, work_dir)
        return opens, posts
    finally:
        server.stop()


@benchmark("write")
def write_side(context: BenchContext) -> list[Figure]:
    figures: list[Figure] = []
    total = context.count(4_000)
    raw: dict[int, Run] = {}
    for concurrency in (1, 16):
        progress(f"raw PostgreSQL insert+commit, {concurrency} connection(s)")
        raw[concurrency] = raw_commit_rate(context.fresh_database(), concurrency, total // 2)
        figures.append(Figure(f"raw insert+commit ×{concurrency}", raw[concurrency].rate, "rows/s"))
    for concurrency in (1, 16):
        progress(f"in-process commands, {concurrency} thread(s)")
        ceiling = raw[concurrency].rate
        opens, posts = in_process_rates(context.fresh_database(), concurrency, total)
        target = "≥ 1.0×" if concurrency == 16 else ""
        for label, run in (("open case", opens), ("post message", posts)):
            figures.append(
                Figure(
                    f"in-process {label} ×{concurrency}",
                    run.rate,
                    "cmd/s",
                    ceiling,
                    f"raw ×{concurrency}",
                    target,
                )
            )
            figures.append(Figure("  latency p50", run.p50_ms, "ms p50"))
            figures.append(Figure("  latency p99", run.p99_ms, "ms p99"))
    for concurrency in (1, 16):
        progress(f"HTTP commands, {concurrency} client(s)")
        ceiling = raw[concurrency].rate
        seconds = max(3, int(10 * context.scale))
        opens, posts = http_rates(context.work_dir, context.fresh_database(), concurrency, seconds)
        target = "≥ 0.5×" if concurrency == 16 else ""
        for label, run in (("POST /support/cases", opens), ("POST …/messages", posts)):
            figures.append(
                Figure(
                    f"HTTP {label} ×{concurrency}",
                    run.rate,
                    "req/s",
                    ceiling,
                    f"raw ×{concurrency}",
                    target,
                )
            )
            figures.append(Figure("  latency p50", run.p50_ms, "ms p50"))
            figures.append(
                Figure(
                    "  latency p99",
                    run.p99_ms,
                    "ms p99",
                    target="≤ 50 ms" if concurrency == 16 else "",
                )
            )
    return figures
