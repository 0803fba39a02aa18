"""SLA clocks: the ``sla.clocks`` subscriber's catch-up over many cases' events, as a ratio to
the case-list projection's catch-up over the same events in the same run; and the breach
timers' detection lag while 500 commands/s arrive, against NOTIFY delivery.

    python -m benchmarks --only sla-catch-up              # 100k cases (~900k events)
    python -m benchmarks --only sla-catch-up --scale 0.01 # a quick look
    python -m benchmarks --only sla-timer-lag             # 10 s at 500 commands/s
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from prometheus_client import CollectorRegistry

from benchmarks.harness import BenchContext, Figure, benchmark, percentile, progress
from benchmarks.projections import (
    BATCH_SIZE,
    notify_delivery_p99,
    record_history,
    steady_commands,
    timed,
)
from casetrail.bootstrap.contexts import register_projections
from casetrail.bootstrap.event_store import build_postgres_desk
from casetrail.bootstrap.read_side import prepare_read_models
from casetrail.bootstrap.settings import Settings
from casetrail.cases.queries import CASE_LIST
from casetrail.kernel.actor import Actor
from casetrail.platform.subscriptions.batches import catch_up
from casetrail.platform.subscriptions.database import Database
from casetrail.platform.subscriptions.follower import Follower, FollowerOptions
from casetrail.platform.subscriptions.follower_metrics import SubscriptionMetrics
from casetrail.platform.subscriptions.subscriber_positions import SubscriberPositions
from casetrail.platform.subscriptions.versions import create_version
from casetrail.platform.timers import TimerWorker, create_tables
from casetrail.sla.domain.aggregates import PolicyDraft
from casetrail.sla.domain.policy import PolicyFilter
from casetrail.sla.projections.alarms import alarm_handlers
from casetrail.sla.projections.catalog import SlaCatalog
from casetrail.sla.projections.clock_keeper import SlaClockKeeper
from casetrail.sla.service.administration import CalendarDefinition, SlaAdministration

EVENTS_PER_CASE = 9
SUPERVISOR = Actor(subject="bench", role="SUPERVISOR")


def define_policies(administration: SlaAdministration) -> None:
    calendar = administration.define_calendar(
        CalendarDefinition(
            "Office",
            "Europe/Berlin",
            {day: [["09:00", "12:00"], ["13:00", "17:00"]] for day in ("mon", "tue", "wed")},
        ),
        SUPERVISOR,
    )
    targets = {
        "first_response": {p: timedelta(hours=4) for p in ("low", "medium", "high", "urgent")},
        "next_response": {p: timedelta(hours=8) for p in ("low", "medium", "high", "urgent")},
        "resolution": {p: timedelta(days=3) for p in ("low", "medium", "high", "urgent")},
    }
    administration.define_policy(
        PolicyDraft(
            name="Everything",
            position=1,
            filter=PolicyFilter(),
            targets=targets,
            calendar_id=calendar.id,
        ),
        SUPERVISOR,
    )


def follow_to_head(keeper: SlaClockKeeper, database_url: str, head: int, app: object) -> int:
    """Run the subscriber's follower until its position reaches ``head``."""
    database = Database(database_url)
    with database.connect() as conn:
        SubscriberPositions().ensure(conn, keeper.name)
    follower = Follower(
        keeper,
        app=app,  # type: ignore[arg-type]
        connect=database.connect,
        wake=threading.Event(),
        metrics=SubscriptionMetrics(CollectorRegistry()),
        options=FollowerOptions(batch_size=BATCH_SIZE, idle_poll_seconds=0.05),
    )
    stop = threading.Event()
    thread = threading.Thread(target=follower.run, args=(stop,), daemon=True)
    thread.start()
    try:
        while True:
            with database.connect() as conn:
                if SubscriberPositions().read(conn, keeper.name) >= head:
                    return head
            time.sleep(0.1)
    finally:
        stop.set()
        follower.wake()
        thread.join(30)


@benchmark("sla-catch-up")
def sla_catch_up(context: BenchContext) -> list[Figure]:
    database_url = context.fresh_database()
    cases = context.count(100_000, minimum=200)
    settings = Settings(database_url=database_url)  # type: ignore[arg-type]
    desk = build_postgres_desk(database_url, settings)
    database = Database(database_url)
    datastore = database.datastore()
    try:
        administration = SlaAdministration(
            desk,
            SlaCatalog(desk),
            clock=lambda: datetime(2025, 12, 1, tzinfo=UTC),
            new_id=uuid.uuid4,
        )
        define_policies(administration)
        progress(f"recording {cases:,} cases (~{cases * EVENTS_PER_CASE:,} events)")
        head = record_history(desk, cases * EVENTS_PER_CASE)
        register_projections()
        prepare_read_models(desk, database, [CASE_LIST])
        with psycopg.connect(database_url, autocommit=True) as conn:
            create_tables(conn)

        progress(f"{CASE_LIST}: catch-up from zero over {head:,} events")
        view = create_version(datastore, CASE_LIST, 11, desk.name)
        ceiling = timed(lambda: catch_up(view, desk, BATCH_SIZE)[1])

        progress(f"sla.clocks: catch-up from zero over {head:,} events")
        keeper = SlaClockKeeper(desk)
        rate = timed(lambda: follow_to_head(keeper, database_url, head, desk))
        return [
            Figure(f"{CASE_LIST} catch-up", ceiling, "events/s"),
            Figure(
                "sla.clocks catch-up",
                rate,
                "events/s",
                ceiling,
                f"{CASE_LIST} catch-up",
                "≥ 0.2×",
            ),
        ]
    finally:
        datastore.close()
        desk.close()


# -- the timer worker's lag under steady commands -----------------------------------------------


def define_fast_policy(administration: SlaAdministration, target: timedelta) -> None:
    """A 24/7 policy whose first-response target passes while the benchmark runs."""
    administration.define_policy(
        PolicyDraft(
            name="Fast",
            position=1,
            filter=PolicyFilter(),
            targets={"first_response": {p: target for p in ("low", "medium", "high", "urgent")}},
            calendar_id=None,
        ),
        SUPERVISOR,
    )


@benchmark("sla-timer-lag")
def sla_timer_lag(context: BenchContext) -> list[Figure]:
    """Breach detection lag (detection time minus due time of each breach) while 500
    commands/s open cases and post customer messages, with the ``sla.clocks`` follower and a
    timer worker running; against PostgreSQL's NOTIFY delivery p99 in the same run."""
    database_url = context.fresh_database()
    rate, seconds, target = 500.0, max(2.0, 10 * context.scale), timedelta(seconds=3)
    settings = Settings(database_url=database_url)  # type: ignore[arg-type]
    desk = build_postgres_desk(database_url, settings)
    with psycopg.connect(database_url, autocommit=True) as conn:
        create_tables(conn)
    administration = SlaAdministration(
        desk, SlaCatalog(desk), clock=lambda: datetime.now(UTC), new_id=uuid.uuid4
    )
    define_fast_policy(administration, target)
    database = Database(database_url)
    with database.connect() as conn:
        SubscriberPositions().ensure(conn, SlaClockKeeper.name)
    follower = Follower(
        SlaClockKeeper(desk),
        app=desk,
        connect=database.connect,
        wake=threading.Event(),
        metrics=SubscriptionMetrics(CollectorRegistry()),
        options=FollowerOptions(batch_size=BATCH_SIZE, idle_poll_seconds=0.05),
    )
    worker = TimerWorker(database_url, alarm_handlers(desk, CollectorRegistry()))
    stop = threading.Event()
    following = threading.Thread(target=follower.run, args=(stop,), daemon=True)
    try:
        ceiling = notify_delivery_p99(database_url)
        following.start()
        worker.start()
        progress(
            f"{rate:.0f} commands/s for {seconds:.0f} s; breaches due {target} after each case"
        )
        done = steady_commands(desk, rate, seconds)
        time.sleep(target.total_seconds() + 2.0)  # the last deadlines pass and fire
    finally:
        stop.set()
        follower.wake()
        following.join(30)
        worker.stop()
        desk.close()
    with psycopg.connect(database_url) as conn:
        lags = [
            row[0]
            for row in conn.execute(
                "SELECT extract(epoch FROM detected_at - due_at)::float8"
                " FROM platform_timer_fires WHERE kind = 'sla.breach'"
            ).fetchall()
        ]
    return [
        Figure("steady command rate", len(done) / seconds, "cmd/s", rate, "asked for"),
        Figure("breaches detected", float(len(lags)), "breaches"),
        Figure(
            "breach detection lag p99",
            percentile(lags, 0.99) * 1000,
            "ms",
            ceiling,
            "NOTIFY delivery p99",
        ),
        Figure(
            "breach detection lag p50",
            percentile(lags, 0.5) * 1000,
            "ms",
            ceiling,
            "NOTIFY delivery p99",
        ),
    ]
