"""Read models: catch-up rate against the raw notification-log read rate, projection lag
under steady commands against LISTEN/NOTIFY delivery, and the case list's latency against
the same query run in-process.

    python -m benchmarks --only catch-up --only projection-lag --only case-list
    python -m benchmarks --only case-list --scale 5      # 1M cases
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
from eventsourcing.projection import ProjectionRunner
from prometheus_client import CollectorRegistry

from benchmarks.harness import BenchContext, Figure, benchmark, percentile, progress
from casetrail.bootstrap.event_store import build_postgres_desk, postgres_env
from casetrail.bootstrap.read_side import build_supervisor, prepare_read_models
from casetrail.bootstrap.settings import Settings
from casetrail.cases.domain.conversation import Conversation
from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.domain.values import AssignmentReason, AuthorType, Channel, Priority
from casetrail.cases.projections.read_model import PostgresReadModel
from casetrail.cases.queries import (
    CASE_LIST,
    PROJECTION_NAMES,
    CaseFilter,
    CaseQuery,
    CaseSort,
)
from casetrail.cases.service.commands import CommandContext, OpenCase, PostMessage
from casetrail.cases.service.desk import SupportDesk
from casetrail.kernel.actor import Actor
from casetrail.platform.http.principals import Role
from casetrail.platform.http.tokens import TokenPolicy, mint_token
from casetrail.platform.server_process import start_server
from casetrail.platform.subscriptions.batches import catch_up
from casetrail.platform.subscriptions.database import Database
from casetrail.platform.subscriptions.library_runner import (
    one_event_projection,
    view_class,
)
from casetrail.platform.subscriptions.metrics import ProjectionMetrics
from casetrail.platform.subscriptions.positions import PositionBoard
from casetrail.platform.subscriptions.versions import create_version
from casetrail.privacy.readable_log import ReadableSupportLog

BENCH = Actor(subject="bench", role="AGENT")
BATCH_SIZE = Settings().projections.batch_size


# -- catch-up -------------------------------------------------------------------------------


def record_history(desk: SupportDesk, events: int) -> int:
    """Cases with conversations, ~10 events each, 500 aggregates per transaction."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    recorded = 0
    pending: list[Ticket | Conversation] = []
    number = 0
    while recorded < events:
        number += 1
        at = start + timedelta(milliseconds=number)
        ticket = Ticket.open(
            case_id=uuid.uuid4(),
            sequence_number=number,
            customer_id=f"cust-{number % 997}",
            subject=f"Order {number} arrived damaged",
            description="The box was crushed",
            priority=list(Priority)[number % 4],
            channel=list(Channel)[number % 6],
            tags=["shipping"],
            order_id=None,
            external_ref=None,
            actor=BENCH,
            at=at,
        )
        conversation = Conversation.start_for_case(ticket.id, actor=BENCH, at=at)
        for m in range(6):
            conversation.post(
                message_id=uuid.uuid4(),
                author_type=AuthorType.CUSTOMER if m % 2 else AuthorType.AGENT,
                author_id="someone",
                body=f"message {m}",
                attachment_uri=None,
                internal=False,
                actor=BENCH,
                at=at,
            )
        ticket.assign(f"agent-{number % 50}", reason=AssignmentReason.AUTO, actor=BENCH, at=at)
        pending += [ticket, conversation]
        recorded += 9
        if len(pending) >= 500:
            desk.save(*pending)
            pending = []
    if pending:
        desk.save(*pending)
    return desk.recorder.max_notification_id() or 0


def raw_read_rate(desk: SupportDesk, batch_size: int) -> tuple[float, int]:
    """The ceiling: read every notification in batches and decode it, nothing else."""
    position, count = 0, 0
    started = time.perf_counter()
    while True:
        notifications = desk.recorder.select_notifications(
            start=position, limit=batch_size, inclusive_of_start=False
        )
        if not notifications:
            break
        for notification in notifications:
            desk.mapper.to_domain_event(notification)
        count += len(notifications)
        position = notifications[-1].id
    return count / (time.perf_counter() - started), count


def library_runner_rate(database_url: str, settings: Settings, events: int) -> float:
    """The eventsourcing library's ProjectionRunner (one transaction per event) on our view."""
    env = postgres_env(database_url, settings)
    del env["APPLICATION_RECORDER_TOPIC"]  # it only reads the log
    started = time.perf_counter()
    with ProjectionRunner(
        application_class=ReadableSupportLog,  # decrypts personal fields
        projection_class=one_event_projection(CASE_LIST, 99),
        view_class=view_class(CASE_LIST),
        env=env,
    ) as runner:
        runner.wait(events, timeout=600)
    return events / (time.perf_counter() - started)


def timed(work: Callable[[], int]) -> float:
    started = time.perf_counter()
    count = work()
    return count / (time.perf_counter() - started)


def catch_up_figures(database_url: str, events: int, batch_size: int = BATCH_SIZE) -> list[Figure]:
    settings = Settings(database_url=database_url)  # type: ignore[arg-type]
    desk = build_postgres_desk(database_url, settings)
    database = Database(database_url)
    datastore = database.datastore()
    try:
        progress(f"recording {events:,} events")
        total = record_history(desk, events)
        prepare_read_models(desk, database)
        ceiling, _ = raw_read_rate(desk, batch_size)
        ceiling_name = "raw read+decode"
        figures = [Figure("notification log read+decode", ceiling, "events/s")]
        version = 10
        for projection in PROJECTION_NAMES:
            version += 1
            progress(f"{projection}: catch-up from zero over {total:,} events")
            view = create_version(datastore, projection, version, desk.name)
            rate = timed(lambda view=view: catch_up(view, desk, batch_size)[1])  # type: ignore[misc]
            figures.append(
                Figure(f"{projection} catch-up", rate, "events/s", ceiling, ceiling_name, "≥ 0.3×")
            )
        progress("both projections at once, one thread each (as `casetrail project` runs them)")
        views = [
            create_version(datastore, projection, version + 1, desk.name)
            for projection in PROJECTION_NAMES
        ]
        started = time.perf_counter()
        threads = [
            threading.Thread(target=catch_up, args=(view, desk, batch_size)) for view in views
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        both = total / (time.perf_counter() - started)
        figures.append(Figure("all projections catch-up", both, "events/s", ceiling, ceiling_name))
        progress("the library's ProjectionRunner (one event per transaction), 2,000 events")
        rate = library_runner_rate(database_url, settings, 2_000)
        figures.append(Figure("case_list, library runner", rate, "events/s", ceiling, ceiling_name))
        return figures
    finally:
        datastore.close()
        desk.close()


@benchmark("catch-up")
def projection_catch_up(context: BenchContext) -> list[Figure]:
    return catch_up_figures(context.fresh_database(), context.count(200_000, minimum=10_000))


# -- lag under steady load ------------------------------------------------------------------


class TimedBoard(PositionBoard):
    """Remembers when each position was reached."""

    def __init__(self) -> None:
        super().__init__()
        # Every projection the runners follow (not only the case queries' own).
        self.reached: dict[str, list[tuple[int, float]]] = defaultdict(list)

    def advance(self, projection: str, position: int) -> None:
        self.reached[projection].append((position, time.perf_counter()))
        super().advance(projection, position)


def notify_delivery_p99(database_url: str, count: int = 500) -> float:
    """The ceiling: how long PostgreSQL takes to deliver a NOTIFY to a listener."""
    latencies: list[float] = []
    with (
        psycopg.connect(database_url, autocommit=True) as listener,
        psycopg.connect(database_url, autocommit=True) as sender,
    ):
        listener.execute("LISTEN bench_delivery")
        for _ in range(count):
            started = time.perf_counter()
            sender.execute("NOTIFY bench_delivery")
            for _ in listener.notifies(timeout=5, stop_after=1):
                latencies.append(time.perf_counter() - started)
            time.sleep(0.002)
    return percentile(latencies, 0.99) * 1000


def steady_commands(desk: SupportDesk, rate: float, seconds: float) -> list[tuple[int, float]]:
    """Commands at ``rate`` per second from 8 threads; (position, time committed) of each."""
    threads = 8
    done: list[tuple[int, float]] = []
    lock = threading.Lock()
    context = CommandContext(actor=BENCH)
    begin = time.perf_counter() + 0.2

    def work(thread_number: int) -> None:
        case_id = None
        count = int(rate * seconds / threads)
        for n in range(count):
            due = begin + (n * threads + thread_number) / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            if case_id is None or n % 4 == 0:
                result = desk.open_case(OpenCase(f"cust-{n}", f"Case {n}", "x"), context)
                case_id = result.case_id
            else:
                result = desk.post_message(
                    PostMessage(case_id, AuthorType.CUSTOMER, "c", f"m{n}"), context
                )
            if result.position is not None:
                with lock:
                    done.append((result.position, time.perf_counter()))

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return done


def lag_figures(database_url: str, rate: float, seconds: float) -> list[Figure]:
    settings = Settings(database_url=database_url)  # type: ignore[arg-type]
    desk = build_postgres_desk(database_url, settings)
    database = Database(database_url)
    board = TimedBoard()
    prepare_read_models(desk, database)
    supervisor = build_supervisor(
        desk, database, settings, metrics=ProjectionMetrics(CollectorRegistry()), board=board
    )
    supervisor.start()
    try:
        ceiling = notify_delivery_p99(database_url)
        progress(f"{rate:.0f} commands/s for {seconds:.0f} s with the runners following")
        done = steady_commands(desk, rate, seconds)
        time.sleep(1.0)  # let the runners finish
    finally:
        supervisor.stop()
        desk.close()
    lags: list[float] = []
    for position, committed in done:
        reached = [
            next(at for reached_position, at in board.reached[name] if reached_position >= position)
            for name in board.reached
        ]
        lags.append(max(0.0, max(reached) - committed))
    achieved = len(done) / seconds
    return [
        Figure("steady command rate", achieved, "cmd/s", rate, "asked for"),
        Figure(
            "projection lag p99",
            percentile(lags, 0.99) * 1000,
            "ms",
            ceiling,
            "NOTIFY delivery p99",
            "≤ 100 ms",
        ),
        Figure(
            "projection lag p50", percentile(lags, 0.5) * 1000, "ms", ceiling, "NOTIFY delivery p99"
        ),
    ]


@benchmark("projection-lag")
def projection_lag(context: BenchContext) -> list[Figure]:
    return lag_figures(context.fresh_database(), 500, max(2.0, 10 * context.scale))


# -- case list latency ----------------------------------------------------------------------

SYNTHETIC_CASES = """
INSERT INTO case_list_v1 (
    id, case_number, customer_id, subject, description, priority, channel, status, tags,
    order_id, external_ref, assignee_id, assigned_at, escalation_level, opened_by_subject,
    opened_by_role, created_at, updated_at, resolved_at, version, conversation_id,
    message_count, internal_note_count, first_response_at, last_activity_at, waiting_since,
    priority_rank)
SELECT
    gen_random_uuid(), 'CS-' || lpad(n::text, 7, '0'), 'cust-' || (n %% 50000),
    'Order ' || n || ' ' || (ARRAY['arrived damaged', 'never arrived', 'refund request',
        'wrong size', 'cannot log in'])[1 + n %% 5],
    'The customer writes about order ' || n || ' and the courier',
    (ARRAY['urgent', 'high', 'medium', 'low'])[1 + n %% 4],
    (ARRAY['email', 'chat', 'phone', 'sms', 'web', 'api'])[1 + n %% 6],
    (ARRAY['open', 'open', 'pending_customer', 'on_hold', 'resolved', 'closed'])[1 + n %% 6],
    CASE WHEN n %% 10 = 0 THEN ARRAY['shipping', 'vip'] WHEN n %% 3 = 0 THEN ARRAY['billing']
         ELSE ARRAY['shipping'] END,
    'order-' || n, NULL,
    CASE WHEN n %% 5 = 0 THEN NULL ELSE 'agent-' || (n %% 500) END,
    CASE WHEN n %% 5 = 0 THEN NULL ELSE start + n * interval '1 second' END,
    0, 'bench', 'AGENT',
    start + n * interval '1 second',
    start + n * interval '1 second' + (n %% 97) * interval '1 minute',
    NULL, 3, gen_random_uuid(), n %% 7, 0, NULL, start + n * interval '1 second',
    CASE WHEN n %% 6 < 2 THEN start + n * interval '1 second' END,
    n %% 4
FROM generate_series(1, %(count)s) AS n, (SELECT now() - %(count)s * interval '1 second' AS start) s
"""

LIST_QUERIES: dict[str, dict[str, Any]] = {
    "no filter": {},
    "status=open": {"status": "open"},
    "status=on_hold": {"status": "on_hold"},
    "priority=urgent": {"priority": "urgent"},
    "customer_id": {"customer_id": "cust-4242"},
    "agent_id": {"agent_id": "agent-42"},
    "unassigned": {"unassigned": "true"},
    "tag=vip": {"tag": "vip"},
    "channel=sms": {"channel": "sms"},
    "created range": {
        "created_after": "2026-01-01T00:00:00Z",
        "created_before": "2036-01-01T00:00:00Z",
    },
    "q=damaged": {"q": "damaged"},
    "sort=priority": {"sort": "priority"},
    "sort=-updated_at": {"sort": "-updated_at"},
}


@dataclass(frozen=True)
class Latencies:
    p99_by_query: dict[str, float]
    all_samples: list[float]


def measure(call: Callable[[dict[str, Any]], None], repeats: int) -> Latencies:
    by_query: dict[str, float] = {}
    samples: list[float] = []
    for name, params in LIST_QUERIES.items():
        for _ in range(3):
            call(params)  # warm caches and prepared statements
        mine = []
        for _ in range(repeats):
            started = time.perf_counter()
            call(params)
            mine.append(time.perf_counter() - started)
        by_query[name] = percentile(mine, 0.99) * 1000
        samples += mine
    return Latencies(by_query, samples)


def as_query(params: dict[str, Any]) -> CaseQuery:
    wanted = CaseFilter(
        statuses=tuple(params["status"].split(",")) if "status" in params else (),
        priorities=(params["priority"],) if "priority" in params else (),
        channels=(params["channel"],) if "channel" in params else (),
        customer_id=params.get("customer_id"),
        assignee_id=params.get("agent_id"),
        unassigned="unassigned" in params,
        tags=(params["tag"],) if "tag" in params else (),
        created_after=datetime.fromisoformat(params["created_after"])
        if "created_after" in params
        else None,
        created_before=datetime.fromisoformat(params["created_before"])
        if "created_before" in params
        else None,
        text=params.get("q"),
    )
    return CaseQuery(filter=wanted, sort=CaseSort(params.get("sort", "-created_at")), limit=25)


def list_figures(context: BenchContext, cases: int, repeats: int = 60) -> list[Figure]:
    database_url = context.fresh_database()
    desk = build_postgres_desk(database_url, Settings(database_url=database_url))  # type: ignore[arg-type]
    database = Database(database_url)
    try:
        prepare_read_models(desk, database)
    finally:
        desk.close()
    progress(f"writing {cases:,} synthetic cases into the case list")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(SYNTHETIC_CASES, {"count": cases})
        conn.execute("VACUUM ANALYZE case_list_v1")
    read_model = PostgresReadModel(database.datastore())
    try:
        progress("the same queries in-process (no HTTP)")
        direct = measure(lambda params: read_model.list_cases(as_query(params)) and None, repeats)
    finally:
        read_model.close()
    server = start_server(
        context.work_dir / "case-list",
        database_url,
        extra_env={"CASETRAIL_RATE_LIMIT_PER_MINUTE": "1000000"},  # not what is measured
    )
    token = mint_token(TokenPolicy(), role=Role.SUPERVISOR, subject="bench", now=datetime.now(UTC))
    try:
        with httpx.Client(
            base_url=server.base_url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            progress("over HTTP")

            def call(params: dict[str, Any]) -> None:
                response = client.get("/support/cases", params={"limit": 25, **params})
                if response.status_code != 200:
                    raise RuntimeError(f"{response.status_code}: {response.text}")

            http = measure(call, repeats)
    finally:
        server.stop()
    worst = max(http.p99_by_query, key=lambda name: http.p99_by_query[name])
    for name in LIST_QUERIES:
        progress(
            f"  {name:<18} p99 {http.p99_by_query[name]:6.1f} ms over HTTP,"
            f" {direct.p99_by_query[name]:6.1f} ms in-process"
        )
    return [
        Figure(
            f"case list p99, {cases:,} cases, any single filter",
            percentile(http.all_samples, 0.99) * 1000,
            "ms",
            percentile(direct.all_samples, 0.99) * 1000,
            "same queries in-process",
            "≤ 20 ms",
        ),
        Figure(
            f"case list p99, slowest filter ({worst})",
            http.p99_by_query[worst],
            "ms",
            direct.p99_by_query[worst],
            "same query in-process",
            "≤ 20 ms",
        ),
    ]


@benchmark("case-list")
def case_list(context: BenchContext) -> list[Figure]:
    return list_figures(context, context.count(200_000, minimum=10_000))
