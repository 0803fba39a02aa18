"""Projection runners on a real PostgreSQL: exactly-once batches, crashes and kill -9
mid-batch, blue/green rebuilds, lock failover, gaps in notification ids, poison events."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.projection import ProjectionRunner
from prometheus_client import CollectorRegistry

from casetrail.bootstrap.event_store import postgres_env
from casetrail.bootstrap.read_side import ReadSide, prepare_read_models
from casetrail.bootstrap.settings import Settings
from casetrail.cases.projections.rows import CASE_COLUMNS, MESSAGE_COLUMNS
from casetrail.cases.queries import CASE_LIST, CASE_MESSAGES, CaseQuery
from casetrail.cases.service.commands import CommandContext, OpenCase
from casetrail.cases.service.desk import SupportDesk
from casetrail.kernel.actor import Actor
from casetrail.platform.subscriptions.batches import follow_once
from casetrail.platform.subscriptions.database import Database
from casetrail.platform.subscriptions.errors import PoisonEvent
from casetrail.platform.subscriptions.library_runner import (
    one_event_projection,
    view_class,
)
from casetrail.platform.subscriptions.log_follower import FollowerOptions
from casetrail.platform.subscriptions.metrics import ProjectionMetrics
from casetrail.platform.subscriptions.rebuild import rebuild
from casetrail.platform.subscriptions.versions import build_view, read_versions
from casetrail.platform.subscriptions.view import BatchedView
from casetrail.platform.subscriptions.worker import ProjectionWorker
from casetrail.privacy.readable_log import ReadableSupportLog
from tests.fixtures.history import record_history

pytestmark = pytest.mark.integration

AGENT = CommandContext(Actor(subject="agent-1", role="AGENT"))


class SimulatedCrash(BaseException):
    """Stands for the process dying: nothing in the runner catches it."""


@pytest.fixture
def database(database_url: str, postgres_desk: SupportDesk) -> Database:
    database = Database(database_url)
    prepare_read_models(postgres_desk, database)
    return database


@pytest.fixture
def views(database: Database) -> Iterator[dict[str, BatchedView]]:
    datastore = database.datastore()
    yield {name: build_view(datastore, name, 1) for name in (CASE_LIST, CASE_MESSAGES)}
    datastore.close()


def catch_up(view: BatchedView, desk: SupportDesk, batch_size: int = 500) -> int:
    position = view.position(desk.name)
    while True:
        position, applied = follow_once(view, desk, position, batch_size)
        if not applied:
            return position


def rows(database_url: str, projection: str, version: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of one version of a projection, in a stable order."""
    tables = {
        CASE_LIST: {
            f"{CASE_LIST}_v{version}": [*CASE_COLUMNS, "priority_rank", "search::text"],
        },
        CASE_MESSAGES: {
            f"{CASE_MESSAGES}_v{version}": list(MESSAGE_COLUMNS),
            f"{CASE_MESSAGES}_v{version}_conversations": ["conversation_id", "case_id"],
        },
    }[projection]
    with psycopg.connect(database_url) as conn:
        return {
            table: conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1").fetchall()
            for table, columns in tables.items()
        }


def head(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT max(notification_id) FROM support_events").fetchone()
    return int(row[0]) if row and row[0] else 0


def same_rows(database_url: str, projection: str, left: int, right: int) -> bool:
    mine, theirs = rows(database_url, projection, left), rows(database_url, projection, right)
    return list(mine.values()) == list(theirs.values())


def test_batches_apply_each_event_once(
    postgres_desk: SupportDesk, views: dict[str, BatchedView], database_url: str
) -> None:
    record_history(postgres_desk, 300, messages_per_case=2)
    for view in views.values():
        assert catch_up(view, postgres_desk, batch_size=100) == head(database_url)
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*), sum(message_count) FROM case_list").fetchone() == (
            300,
            600,
        )
        assert conn.execute("SELECT count(*) FROM case_messages").fetchone() == (600,)
    before = rows(database_url, CASE_LIST, 1)
    # Someone replays the whole log at the view: what was applied is not applied again.
    everything = postgres_desk.recorder.select_notifications(start=1, limit=10_000)
    batch = [(item.id, postgres_desk.mapper.to_domain_event(item)) for item in everything]
    assert views[CASE_LIST].apply(postgres_desk.name, batch) == head(database_url)
    assert rows(database_url, CASE_LIST, 1) == before


def test_a_crash_inside_the_batch_transaction_loses_and_duplicates_nothing(
    postgres_desk: SupportDesk, views: dict[str, BatchedView], database: Database, database_url: str
) -> None:
    record_history(postgres_desk, 200, messages_per_case=3)
    for name, view in views.items():
        position, _ = follow_once(view, postgres_desk, 0, 250)
        before = rows(database_url, name, 1)

        def crash(batch: Any) -> None:
            raise SimulatedCrash

        with pytest.raises(SimulatedCrash):
            follow_once(view, postgres_desk, position, 250, before_commit=crash)
        assert view.position(postgres_desk.name) == position
        assert rows(database_url, name, 1) == before
        catch_up(view, postgres_desk, batch_size=250)
        # The same log replayed from zero into a fresh version gives the same rows.
        result = rebuild(
            name, app=postgres_desk, datastore=database.datastore(), connect=database.connect
        )
        assert same_rows(database_url, name, 1, result.version)


def test_kill_9_of_the_projection_process_mid_batch_then_restart(
    postgres_desk: SupportDesk, database: Database, database_url: str, tmp_path: Path
) -> None:
    record_history(postgres_desk, 2_000, messages_per_case=4)  # 16,000 events
    target = head(database_url)
    environment = {
        **os.environ,
        "CASETRAIL_DATABASE_URL": database_url,
        "CASETRAIL_DATA_DIR": str(tmp_path),
        "CASETRAIL_PROJECTION_BATCH_SIZE": "150",
    }
    command = [sys.executable, "-m", "casetrail", "project"]

    def positions() -> dict[str, int]:
        with psycopg.connect(database_url) as conn:
            found = conn.execute("SELECT projection, notification_id FROM projection_positions")
            return {name: int(position) for name, position in found.fetchall()}

    first = subprocess.Popen(command, env=environment, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not 0 < positions()[CASE_LIST] < target:
            assert time.monotonic() < deadline, "the runner never started"
            time.sleep(0.005)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    killed_at = positions()
    assert killed_at[CASE_LIST] < target, "the runner finished before it could be killed"

    second = subprocess.Popen(command, env=environment, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while min(positions().values()) < target:
            assert time.monotonic() < deadline, f"stuck at {positions()}"
            time.sleep(0.05)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*), sum(message_count) FROM case_list").fetchone() == (
            2_000,
            8_000,
        )
        assert conn.execute("SELECT count(DISTINCT message_id) FROM case_messages").fetchone() == (
            8_000,
        )
    for name in (CASE_LIST, CASE_MESSAGES):
        result = rebuild(
            name, app=postgres_desk, datastore=database.datastore(), connect=database.connect
        )
        assert same_rows(database_url, name, 1, result.version)


def test_rebuild_switches_to_identical_rows_while_the_old_version_serves(
    postgres_desk: SupportDesk, read_side: ReadSide, database_url: str
) -> None:
    ids = record_history(postgres_desk, 500)
    assert read_side.read_model.wait_for(head(database_url), [CASE_LIST], timeout=30)
    served_during_rebuild: list[int] = []

    def progress(_: Any) -> None:
        page = read_side.read_model.list_cases(CaseQuery(limit=100))
        served_during_rebuild.append(len(page.rows))

    result = rebuild(
        CASE_LIST,
        app=postgres_desk,
        datastore=read_side.database.datastore(),
        connect=read_side.database.connect,
        batch_size=100,
        report=progress,
        report_every_seconds=0,
    )
    assert (result.previous_version, result.version) == (1, 2)
    assert served_during_rebuild, "the rebuild reports its progress"
    assert set(served_during_rebuild) == {100}, "the old version served all along"
    assert same_rows(database_url, CASE_LIST, 1, 2)
    with read_side.database.connect() as conn:
        assert read_versions(conn)[CASE_LIST].active == 2

    # The runner in this process hands over to version 2 and carries on there.
    opened = postgres_desk.open_case(OpenCase("cust-new", "After the switch", ""), AGENT)
    assert opened.position is not None
    assert read_side.read_model.wait_for(opened.position, [CASE_LIST], timeout=30)
    assert read_side.read_model.get_case(opened.case_id) is not None
    assert read_side.read_model.get_case(ids[0]) is not None

    # A second rebuild keeps the previous version (2) and drops the one before (1).
    again = rebuild(
        CASE_LIST,
        app=postgres_desk,
        datastore=read_side.database.datastore(),
        connect=read_side.database.connect,
    )
    assert (again.previous_version, again.version, again.dropped_versions) == (2, 3, (1,))


def test_only_one_runner_is_active_and_the_other_takes_over(
    postgres_desk: SupportDesk, database: Database, database_url: str
) -> None:
    options = FollowerOptions(batch_size=50, idle_poll_seconds=0.02, standby_poll_seconds=0.05)
    runners = []
    for _ in range(2):
        worker = ProjectionWorker(
            CASE_LIST,
            app=postgres_desk,
            datastore=database.datastore(),
            connect=database.connect,
            wake=threading.Event(),
            metrics=ProjectionMetrics(CollectorRegistry()),
            options=options,
        )
        stop = threading.Event()
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        thread.start()
        runners.append((worker, stop, thread))

    def active() -> list[ProjectionWorker]:
        return [worker for worker, _, _ in runners if worker.is_active]

    try:
        record_history(postgres_desk, 300)
        wait_until(lambda: len(active()) == 1)
        first = active()[0]
        wait_until(lambda: first.position == head(database_url))
        time.sleep(0.2)
        assert active() == [first], "the standby runner must not become active meanwhile"
        assert sum(worker.batches_applied for worker, _, _ in runners) == first.batches_applied

        for worker, stop, thread in runners:
            if worker is first:
                stop.set()
                thread.join(timeout=10)
        record_history(postgres_desk, 100, first_number=1_000)
        wait_until(lambda: len(active()) == 1 and active()[0] is not first)
        second = active()[0]
        wait_until(lambda: second.position == head(database_url))
    finally:
        for _, stop, thread in runners:
            stop.set()
            thread.join(timeout=10)
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*), sum(message_count) FROM case_list").fetchone() == (
            400,
            800,
        )


def test_gaps_in_notification_ids_neither_stall_nor_skip(
    postgres_desk: SupportDesk, read_side: ReadSide, database_url: str
) -> None:
    opened = []
    for n in range(6):
        opened.append(postgres_desk.open_case(OpenCase(f"cust-{n}", f"Case {n}", ""), AGENT))
        with psycopg.connect(database_url) as conn:
            # Ids taken and never used, as by a rolled-back insert.
            conn.execute(
                "SELECT nextval(pg_get_serial_sequence('support_events', 'notification_id'))"
                " FROM generate_series(1, %s)",
                (n * 7 + 1,),
            )
            with pytest.raises(psycopg.errors.UniqueViolation), conn.transaction():
                conn.execute(
                    "INSERT INTO support_events (originator_id, originator_version, topic, state)"
                    " SELECT originator_id, originator_version, topic, state FROM support_events"
                    " LIMIT 1"
                )
    last = opened[-1].position
    assert last is not None
    assert last > len(opened) * 2, "the test should have made gaps"
    assert read_side.read_model.wait_for(last, [CASE_LIST, CASE_MESSAGES], timeout=10)
    for result in opened:
        assert read_side.read_model.get_case(result.case_id) is not None
    assert read_side.read_model.positions()[CASE_LIST] == last


def test_a_poison_event_stops_the_projection_before_it_and_is_reported(
    postgres_desk: SupportDesk,
    read_side: ReadSide,
    metrics_registry: CollectorRegistry,
    database_url: str,
) -> None:
    before = postgres_desk.open_case(OpenCase("cust-1", "Before", ""), AGENT)
    with psycopg.connect(database_url) as conn:
        # A status change for a case the log never opened: the case list cannot apply it.
        conn.execute(
            "INSERT INTO support_events (originator_id, originator_version, topic, state)"
            " VALUES (%s, 2, 'casetrail.ticket.StatusChanged.v1', %s)",
            (
                uuid.uuid4(),
                b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00+00:00"},'
                b'"actor_subject":"x","actor_role":"AGENT","from_status":"open",'
                b'"to_status":"on_hold","reason":null}',
            ),
        )
    poison_id = head(database_url)
    after = postgres_desk.open_case(OpenCase("cust-1", "After", ""), AGENT)
    assert after.position is not None
    assert before.position is not None

    assert read_side.read_model.wait_for(before.position, [CASE_LIST], timeout=10)

    def poison_reports() -> float:
        value = metrics_registry.get_sample_value(
            "casetrail_projection_poison_events_total", {"projection": CASE_LIST}
        )
        return value or 0.0

    wait_until(lambda: poison_reports() >= 1)
    assert not read_side.read_model.wait_for(after.position, [CASE_LIST], timeout=0.5)
    assert read_side.read_model.positions()[CASE_LIST] == poison_id - 1
    assert read_side.read_model.get_case(after.case_id) is None, "nothing after it is applied"
    assert (
        metrics_registry.get_sample_value(
            "casetrail_projection_blocked_at_notification", {"projection": CASE_LIST}
        )
        == poison_id
    )
    # The messages projection has no use for that event and goes on.
    assert read_side.read_model.wait_for(after.position, [CASE_MESSAGES], timeout=10)
    (status,) = [item for item in read_side.status.read() if item.projection == CASE_LIST]
    assert status.lag_events == 2


def test_poison_is_named_by_notification_even_inside_a_batch(
    postgres_desk: SupportDesk, views: dict[str, BatchedView], database_url: str
) -> None:
    record_history(postgres_desk, 10)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO support_events (originator_id, originator_version, topic, state)"
            " VALUES (%s, 1, 'casetrail.ticket.Opened.v1', 'not json')",
            (uuid.uuid4(),),
        )
    record_history(postgres_desk, 10, first_number=100)
    view = views[CASE_LIST]
    with pytest.raises(PoisonEvent) as raised:
        catch_up(view, postgres_desk, batch_size=1_000)
    assert view.position(postgres_desk.name) == raised.value.notification_id - 1
    assert raised.value.topic == "casetrail.ticket.Opened.v1"


def wait_until(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_library_runner_drives_the_same_view_to_the_same_rows(
    postgres_desk: SupportDesk,
    views: dict[str, BatchedView],
    database_url: str,
    settings: Settings,
) -> None:
    record_history(postgres_desk, 40, messages_per_case=3)
    target = head(database_url)
    catch_up(views[CASE_LIST], postgres_desk, batch_size=100)
    env = postgres_env(database_url, settings)
    del env["APPLICATION_RECORDER_TOPIC"]
    with ProjectionRunner(
        application_class=ReadableSupportLog,  # decrypts personal fields
        projection_class=one_event_projection(CASE_LIST, 2),
        view_class=view_class(CASE_LIST),
        env=env,
    ) as runner:
        runner.wait(target, timeout=60)
    assert same_rows(database_url, CASE_LIST, 1, 2)


def test_the_event_store_commits_in_notification_id_order(
    postgres_desk: SupportDesk, database_url: str
) -> None:
    """What the runners rely on to pass gaps safely: inserts take the events table's
    EXCLUSIVE lock, so ids are handed out in commit order. A plain INSERT would not wait
    for a ROW SHARE lock; the event store's insert does."""
    opened = threading.Event()

    def open_case() -> None:
        postgres_desk.open_case(OpenCase("cust-1", "Waits for the lock", ""), AGENT)
        opened.set()

    with psycopg.connect(database_url) as conn, conn.transaction():
        conn.execute("LOCK TABLE support_events IN ROW SHARE MODE")
        writer = threading.Thread(target=open_case)
        writer.start()
        assert not opened.wait(1.0), "the insert did not wait for the table lock"
    assert opened.wait(10)
    writer.join()
