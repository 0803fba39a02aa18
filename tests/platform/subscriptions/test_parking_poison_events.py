"""An operator's way past a poison event: ``casetrail projections status`` shows the event a
projection is blocked at, ``park`` lets that projection go on past it with an audited
reason, and the parked event stays listed; only parked events, only for that projection."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from prometheus_client import CollectorRegistry

from casetrail.bootstrap.read_side import ReadSide, build_supervisor, start_read_side
from casetrail.bootstrap.settings import Settings
from casetrail.cases.queries import CASE_EVENTS, CASE_LIST, CASE_MESSAGES
from casetrail.cases.service.commands import CommandContext, OpenCase
from casetrail.cases.service.desk import SupportDesk
from casetrail.cli import main
from casetrail.kernel.actor import Actor
from casetrail.platform.subscriptions.metrics import ProjectionMetrics
from casetrail.platform.subscriptions.supervisor import Backoff

pytestmark = pytest.mark.integration

AGENT = CommandContext(Actor(subject="agent-1", role="AGENT"))


@pytest.fixture
def running_projections(
    postgres_desk: SupportDesk, database_url: str, settings: Settings
) -> Iterator[ReadSide]:
    """The read side with its runners, retried quickly after a poison event."""
    registry = CollectorRegistry()
    side = start_read_side(postgres_desk, database_url, settings, registry, run_projections=False)
    side.supervisor = build_supervisor(
        postgres_desk,
        side.database,
        settings,
        metrics=ProjectionMetrics(registry),
        board=side.board,
        backoff=Backoff(first_seconds=0.05, max_seconds=0.3),
    )
    side.supervisor.start()
    yield side
    side.close()


def cli(database_url: str, tmp_path: Path, *arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main,
        list(arguments),
        env={"CASETRAIL_DATABASE_URL": database_url, "CASETRAIL_DATA_DIR": str(tmp_path)},
    )
    return result.exit_code, result.stdout, result.stderr


def insert_event(
    database_url: str, topic: str, version: int, state: bytes
) -> tuple[int, uuid.UUID]:
    """An event written straight into the event store; answers its notification id."""
    stream = uuid.uuid4()
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "INSERT INTO support_events (originator_id, originator_version, topic, state)"
            " VALUES (%s, %s, %s, %s) RETURNING notification_id",
            (stream, version, topic, state),
        ).fetchone()
    assert row is not None
    return int(row[0]), stream


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def section(output: str, title: str) -> str:
    """The lines of one section of ``projections status`` (up to the next blank line)."""
    _, found, rest = output.partition(f"\n{title}")
    assert found, f"no {title!r} section in:\n{output}"
    return rest.split("\n\n")[0]


def test_an_undecodable_event_is_shown_parked_with_a_reason_and_passed_by_that_projection(
    postgres_desk: SupportDesk,
    running_projections: ReadSide,
    database_url: str,
    tmp_path: Path,
) -> None:
    read_model = running_projections.read_model
    before = postgres_desk.open_case(OpenCase("cust-1", "Before", ""), AGENT)
    poison_id, stream = insert_event(database_url, "casetrail.ticket.Opened.v1", 1, b"not json")
    after = postgres_desk.open_case(OpenCase("cust-1", "After", ""), AGENT)
    assert before.position is not None
    assert after.position is not None
    assert read_model.wait_for(before.position, [CASE_LIST, CASE_MESSAGES], timeout=20)
    assert not read_model.wait_for(after.position, [CASE_LIST], timeout=0.5)

    code, out, err = cli(database_url, tmp_path, "projections", "status")
    assert code == 0, err
    blocked = section(out, "blocked")
    for projection in (CASE_LIST, CASE_MESSAGES, CASE_EVENTS):
        assert (
            f"  {projection}  notification {poison_id}  casetrail.ticket.Opened.v1"
            f"  stream {stream}\n"
        ) in blocked
    assert "error: MapperDeserialisationError" in blocked
    assert f"casetrail projections park case_list {poison_id} --reason" in blocked
    assert "\nparked" not in out

    code, out, err = cli(
        database_url,
        tmp_path,
        "projections",
        "park",
        CASE_LIST,
        str(poison_id),
        "--reason",
        "INC-42: truncated write by release 1.3; case list only",
        "--by",
        "ops-ana",
    )
    assert code == 0, err
    assert f"case_list: notification {poison_id} parked" in out

    assert read_model.wait_for(after.position, [CASE_LIST], timeout=20)
    assert read_model.get_case(after.case_id) is not None
    # Only that projection passes over it: the others still stop before it.
    assert not read_model.wait_for(after.position, [CASE_MESSAGES], timeout=0.5)

    code, out, err = cli(database_url, tmp_path, "projections", "status")
    assert code == 0, err
    case_list = next(line for line in out.splitlines() if line.startswith("case_list "))
    assert case_list.split()[2] == str(after.position)
    assert "0 events" in case_list
    parked = section(out, "parked")
    assert f"  case_list  notification {poison_id}  casetrail.ticket.Opened.v1" in parked
    assert "by ops-ana: INC-42: truncated write by release 1.3; case list only" in parked
    assert "error: MapperDeserialisationError" in parked
    blocked = section(out, "blocked")
    assert f"  case_messages  notification {poison_id}" in blocked
    assert "  case_list  " not in blocked

    with psycopg.connect(database_url) as conn:
        audit = conn.execute(
            "SELECT projection, notification_id, topic, originator_id, reason, parked_by,"
            " parked_at IS NOT NULL FROM projection_parked_events"
        ).fetchall()
    assert audit == [
        (
            CASE_LIST,
            poison_id,
            "casetrail.ticket.Opened.v1",
            str(stream),
            "INC-42: truncated write by release 1.3; case list only",
            "ops-ana",
            True,
        )
    ]

    # A rebuild from the first event passes over it too.
    code, out, err = cli(database_url, tmp_path, "projections", "rebuild", CASE_LIST)
    assert code == 0, err
    assert "1 parked event(s) passed over" in err
    assert "case_list: v2 is active (was v1)" in out
    assert read_model.wait_for(after.position, [CASE_LIST], timeout=20)
    assert read_model.get_case(after.case_id) is not None
    assert read_model.get_case(before.case_id) is not None


def test_only_the_event_a_projection_is_blocked_at_can_be_parked(
    postgres_desk: SupportDesk,
    running_projections: ReadSide,
    database_url: str,
    tmp_path: Path,
) -> None:
    read_model = running_projections.read_model
    before = postgres_desk.open_case(OpenCase("cust-1", "Before", ""), AGENT)
    # It decodes, but names a case the log never opened: the case list cannot apply it.
    poison_id, stream = insert_event(
        database_url,
        "casetrail.ticket.StatusChanged.v1",
        2,
        b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00+00:00"},'
        b'"actor_subject":"x","actor_role":"AGENT","from_status":"open",'
        b'"to_status":"on_hold","reason":null}',
    )
    after = postgres_desk.open_case(OpenCase("cust-1", "After", ""), AGENT)
    assert before.position is not None
    assert after.position is not None
    assert read_model.wait_for(after.position, [CASE_MESSAGES, CASE_EVENTS], timeout=20)
    wait_until(lambda: read_model.positions()[CASE_LIST] == poison_id - 1)

    code, out, err = cli(database_url, tmp_path, "projections", "status")
    assert code == 0, err
    blocked = section(out, "blocked")
    assert f"  case_list  notification {poison_id}  casetrail.ticket.StatusChanged.v1" in blocked
    assert f"error: CaseRowMissing: StatusChanged for case {stream}" in blocked
    assert "case_messages" not in blocked

    def park(projection: str, notification_id: int) -> tuple[int, str, str]:
        return cli(
            database_url,
            tmp_path,
            *("projections", "park", projection, str(notification_id)),
            *("--reason", "status change of a case that was never opened", "--by", "ops-ana"),
        )

    code, _, err = park(CASE_LIST, after.position)
    assert code == 1
    assert f"case_list is blocked at notification {poison_id}, not {after.position}" in err
    code, _, err = park(CASE_MESSAGES, poison_id)
    assert code == 1
    assert "case_messages is not blocked" in err
    code, _, err = cli(database_url, tmp_path, "projections", "park", CASE_LIST, str(poison_id))
    assert code == 2
    assert "--reason" in err
    assert not read_model.wait_for(after.position, [CASE_LIST], timeout=0.3)

    code, out, err = park(CASE_LIST, poison_id)
    assert code == 0, err
    assert read_model.wait_for(after.position, [CASE_LIST], timeout=20)
    assert read_model.get_case(after.case_id) is not None
    code, out, err = park(CASE_LIST, poison_id)
    assert code == 0, err
    assert f"case_list: notification {poison_id} was parked already" in out
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM projection_parked_events").fetchone() == (1,)
