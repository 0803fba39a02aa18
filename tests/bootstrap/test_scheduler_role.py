"""The scheduler role on a real PostgreSQL: it creates the timer tables, fires the handlers
the contexts register, and `casetrail scheduler --status` shows what waits."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from prometheus_client import CollectorRegistry

from casetrail.bootstrap.roles.base import running
from casetrail.bootstrap.roles.scheduler import build_scheduler, prepare_timer_tables
from casetrail.bootstrap.settings import SchedulerSettings
from casetrail.cli import main
from casetrail.platform.timers import Fire, schedule


def arm(database_url: str, key: str, kind: str, due_at: datetime) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn, conn.transaction():
        schedule(conn, key, due_at, kind=kind, payload={"key": key}, cause="test")


def test_the_scheduler_creates_its_tables_and_fires_registered_handlers(
    database_url: str,
) -> None:
    fired: list[Fire] = []
    done = threading.Event()

    def remember(_conn: psycopg.Connection[Any], fire: Fire) -> None:
        fired.append(fire)
        done.set()

    role = build_scheduler(
        database_url,
        {"test.reminder": remember},
        SchedulerSettings(max_sleep_seconds=0.2),
        CollectorRegistry(),
    )
    with running([role]):
        # The tables exist once the role has started: a follower can arm timers.
        arm(database_url, "reminder:1", "test.reminder", datetime.now(UTC) - timedelta(seconds=1))
        assert done.wait(10), "the timer never fired"
    assert [fire.timer_key for fire in fired] == ["reminder:1"]
    assert role.kinds == ("test.reminder",)


def test_status_shows_timers_no_worker_handles_as_overdue_by_kind(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare_timer_tables(database_url)
    arm(database_url, "sla:1", "sla.breach", datetime.now(UTC) - timedelta(minutes=5))
    arm(database_url, "sla:2", "sla.breach", datetime.now(UTC) + timedelta(hours=1))
    monkeypatch.setenv("CASETRAIL_DATABASE_URL", database_url)
    monkeypatch.setenv("CASETRAIL_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["scheduler", "--status"])
    assert result.exit_code == 0, result.output
    assert "pending 2  overdue 1  failing 0" in result.output
    assert "  sla.breach  1" in result.output
