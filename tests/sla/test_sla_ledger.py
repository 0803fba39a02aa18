"""Every SLA decision and finding is an event in the case's SLA ledger, in the event store:
recorded with its cause and versions, once, also when the log is followed again, and read
back to explain a case's deadlines."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import psycopg
import pytest

from casetrail.sla.api.routes_case_sla import ledger_entry_read
from casetrail.sla.domain.ledger import Ledger, sla_ledger_id
from casetrail.sla.projections.catalog import SlaCatalog
from casetrail.sla.service.administration import CalendarDefinition
from casetrail.sla.service.case_sla import CaseSla
from tests.fixtures.sla_postgres import SlaWorld
from tests.sla.test_clock_keeper import (
    MONDAY_0930_BERLIN,
    SUPERVISOR,
    WEEKDAYS,
    office,
    open_urgent,
    reply,
)

pytestmark = pytest.mark.integration


def ledger(world: SlaWorld, case_id: str) -> list[Ledger.Event]:
    return CaseSla(world.desk, SlaCatalog(world.desk)).ledger(UUID(case_id))


def test_a_deadline_is_an_event_naming_its_cause_and_versions(sla_world: SlaWorld) -> None:
    calendar_id = office(sla_world)
    case_id = open_urgent(sla_world)
    sla_world.follow()

    [decided] = ledger(sla_world, case_id)
    assert isinstance(decided, Ledger.ClockDecided)
    assert decided.originator_id == sla_ledger_id(case_id)
    assert (decided.kind, decided.metric, decided.cycle) == ("started", "first_response", 1)
    assert decided.due_at == MONDAY_0930_BERLIN
    assert (decided.cause_event, decided.cause_ref) == ("Opened", f"{case_id}@1")
    assert (decided.calendar_id, decided.calendar_version) == (calendar_id, 1)
    assert decided.policy_version == 1
    [row] = sla_world.rows("SELECT decided_through FROM sla_cases WHERE case_id = %s", case_id)
    assert row["decided_through"] == decided.cause_notification


def test_a_breach_found_late_is_one_event_with_its_true_due_time(sla_world: SlaWorld) -> None:
    office(sla_world)
    case_id = open_urgent(sla_world)
    sla_world.follow()
    tuesday = MONDAY_0930_BERLIN + timedelta(days=1)
    sla_world.timer_clock.set(tuesday)  # no worker ran on Monday
    sla_world.worker.run_once()
    sla_world.worker.run_once()

    breaches = [event for event in ledger(sla_world, case_id) if isinstance(event, Ledger.Breached)]
    assert [(b.due_at, b.detected_at, b.metric) for b in breaches] == [
        (MONDAY_0930_BERLIN, tuesday, "first_response")
    ]
    assert f"{case_id}@1" in breaches[0].cause


def test_a_restatement_is_an_event_with_its_reason_and_the_old_deadline_stays_in_history(
    sla_world: SlaWorld,
) -> None:
    calendar_id = office(sla_world)
    case_id = open_urgent(sla_world)
    sla_world.follow()
    sla_world.clock.advance(timedelta(hours=1))
    sla_world.admin.revise_calendar(
        UUID(calendar_id),
        CalendarDefinition(
            "Berlin", "Europe/Berlin", WEEKDAYS, [date(2026, 12, 7), date(2026, 12, 25)]
        ),
        reason="office closed on Monday",
        expected_version=1,
        actor=SUPERVISOR,
    )
    sla_world.follow()

    first, restated = ledger(sla_world, case_id)
    assert isinstance(first, Ledger.ClockDecided)
    assert isinstance(restated, Ledger.ClockDecided)
    assert first.due_at == MONDAY_0930_BERLIN
    assert (restated.kind, restated.reason) == ("restated", "office closed on Monday")
    assert restated.due_at == MONDAY_0930_BERLIN + timedelta(days=1)
    assert restated.calendar_version == 2
    before_the_change = CaseSla(sla_world.desk, SlaCatalog(sla_world.desk)).ledger(
        UUID(case_id), as_of=restated.timestamp - timedelta(microseconds=1)
    )
    assert [event.originator_version for event in before_the_change] == [1]


def test_following_the_log_again_records_no_decision_twice(sla_world: SlaWorld) -> None:
    office(sla_world)
    case_id = open_urgent(sla_world)
    sla_world.clock.now = MONDAY_0930_BERLIN - timedelta(minutes=5)
    reply(sla_world, case_id)
    sla_world.follow()
    recorded = [(type(e).__name__, e.originator_version) for e in ledger(sla_world, case_id)]
    assert [name for name, _ in recorded] == ["ClockDecided", "ClockDecided"]

    with psycopg.connect(sla_world.database_url, autocommit=True) as conn:
        conn.execute("UPDATE subscription_positions SET position = 0 WHERE name = 'sla.clocks'")
    sla_world.follow()

    assert [(type(e).__name__, e.originator_version) for e in ledger(sla_world, case_id)] == (
        recorded
    )


def test_the_ledger_reads_over_http_as_decisions_and_findings(sla_world: SlaWorld) -> None:
    office(sla_world)
    case_id = open_urgent(sla_world)
    sla_world.follow()
    sla_world.timer_clock.set(MONDAY_0930_BERLIN + timedelta(minutes=1))
    sla_world.worker.run_once()

    entries = [ledger_entry_read(event).model_dump() for event in ledger(sla_world, case_id)]
    assert [(e["entry"], e["kind"]) for e in entries] == [
        ("decided", "started"),
        ("at_risk", None),
        ("breached", None),
    ]
    assert entries[0]["cause"]["event"] == "Opened"
    assert entries[0]["policy"]["version"] == 1
    assert entries[2]["due_at"] == MONDAY_0930_BERLIN
    assert f"{case_id}@1" in entries[2]["timer_cause"]


def test_following_a_restatement_again_records_it_once(sla_world: SlaWorld) -> None:
    calendar_id = office(sla_world)
    case_id = open_urgent(sla_world)
    sla_world.follow()
    for version, holiday in ((1, date(2026, 12, 7)), (2, date(2026, 12, 8))):
        sla_world.admin.revise_calendar(
            UUID(calendar_id),
            CalendarDefinition("Berlin", "Europe/Berlin", WEEKDAYS, [holiday]),
            reason=f"office closed on {holiday}",
            expected_version=version,
            actor=SUPERVISOR,
        )
    sla_world.follow()
    recorded = [(e.originator_version, type(e).__name__) for e in ledger(sla_world, case_id)]
    assert len(recorded) == 3

    with psycopg.connect(sla_world.database_url, autocommit=True) as conn:
        conn.execute("UPDATE subscription_positions SET position = 0 WHERE name = 'sla.clocks'")
    sla_world.follow()

    assert [(e.originator_version, type(e).__name__) for e in ledger(sla_world, case_id)] == (
        recorded
    )
