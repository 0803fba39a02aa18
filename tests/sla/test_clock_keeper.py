"""The ``sla.clocks`` subscriber on PostgreSQL: deadlines recorded as decisions with their
cause, timers armed and moved, breaches recorded once with the true due time (also when the
timer worker was down), restatement when a calendar changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import psycopg
import pytest
from psycopg.rows import dict_row

from casetrail.cases.domain.values import AuthorType, CaseStatus, Channel, Priority
from casetrail.cases.service.commands import ChangeStatus, CommandContext, OpenCase, PostMessage
from casetrail.customers.domain.values import Tier
from casetrail.customers.service.commands import (
    ChangeCustomer,
    DirectoryContext,
    RegisterCustomer,
)
from casetrail.customers.service.directory import CustomerDirectory
from casetrail.kernel.actor import Actor
from casetrail.sla.domain.aggregates import PolicyDraft
from casetrail.sla.domain.policy import PolicyFilter
from casetrail.sla.domain.reads import BreachFilter
from casetrail.sla.projections.reads import PostgresSlaReads
from casetrail.sla.service.administration import CalendarDefinition
from tests.fixtures.sla_postgres import SlaWorld

pytestmark = pytest.mark.integration

SUPERVISOR = Actor(subject="sup-1", role="SUPERVISOR")
AGENT = Actor(subject="agent-1", role="AGENT")
MONDAY_0930_BERLIN = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
FRIDAY_1630_BERLIN = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def office(world: SlaWorld) -> str:
    calendar = world.admin.define_calendar(
        CalendarDefinition("Berlin", "Europe/Berlin", WEEKDAYS, [date(2026, 12, 25)]), SUPERVISOR
    )
    world.admin.define_policy(
        PolicyDraft(
            name="Urgent",
            position=1,
            filter=PolicyFilter(),
            targets={"first_response": {"urgent": timedelta(hours=1)}},
            calendar_id=calendar.id,
        ),
        SUPERVISOR,
    )
    return str(calendar.id)


def open_urgent(world: SlaWorld) -> str:
    result = world.desk.open_case(
        OpenCase(
            customer_id="cust-1",
            subject="Down",
            description="",
            priority=Priority.URGENT,
            channel=Channel.EMAIL,
            tags=(),
            order_id=None,
            external_ref=None,
        ),
        CommandContext(actor=SUPERVISOR),
    )
    return str(result.case_id)


def reply(world: SlaWorld, case_id: str) -> None:
    world.desk.post_message(
        PostMessage(
            case_id=UUID(case_id),
            author_type=AuthorType.AGENT,
            author_id="agent-1",
            body="On it",
            attachment_uri=None,
            internal=False,
        ),
        CommandContext(actor=AGENT),
    )


def test_the_deadline_is_recorded_with_its_cause_and_a_timer_is_armed(sla_world: SlaWorld) -> None:
    calendar_id = office(sla_world)
    case_id = open_urgent(sla_world)
    sla_world.follow()

    [clock] = sla_world.rows("SELECT * FROM sla_clocks WHERE case_id = %s", case_id)
    assert clock["due_at"] == MONDAY_0930_BERLIN
    assert (clock["metric"], clock["state"], clock["policy_version"]) == (
        "first_response",
        "active",
        1,
    )
    [decision] = sla_world.decisions(case_id)
    assert decision["kind"] == "started"
    assert decision["cause_event"] == "Opened"
    assert decision["cause_ref"] == f"{case_id}@1"
    assert decision["calendar_id"] == calendar_id
    [timer] = sla_world.rows("SELECT * FROM platform_timers WHERE kind = 'sla.breach'")
    assert timer["due_at"] == MONDAY_0930_BERLIN
    assert f"{case_id}@1" in timer["cause"]


def test_a_breach_that_fell_due_while_the_worker_was_down_is_recorded_once_with_its_due_time(
    sla_world: SlaWorld,
) -> None:
    office(sla_world)
    case_id = open_urgent(sla_world)
    sla_world.follow()
    tuesday = MONDAY_0930_BERLIN + timedelta(days=1)
    sla_world.timer_clock.set(tuesday)  # no worker ran on Monday
    sla_world.worker.run_once()
    sla_world.worker.run_once()

    [breach] = sla_world.rows("SELECT * FROM sla_breaches WHERE case_id = %s", case_id)
    assert breach["due_at"] == MONDAY_0930_BERLIN
    assert breach["detected_at"] == tuesday
    assert breach["priority"] == "urgent"


def test_a_reply_in_time_disarms_the_breach(sla_world: SlaWorld) -> None:
    office(sla_world)
    case_id = open_urgent(sla_world)
    sla_world.clock.now = MONDAY_0930_BERLIN - timedelta(minutes=5)
    reply(sla_world, case_id)
    sla_world.follow()
    sla_world.timer_clock.set(MONDAY_0930_BERLIN + timedelta(hours=1))
    sla_world.worker.run_once()

    assert sla_world.rows("SELECT * FROM sla_breaches") == []
    [clock] = sla_world.rows("SELECT * FROM sla_clocks WHERE case_id = %s", case_id)
    assert clock["state"] == "fulfilled"
    kinds = [row["kind"] for row in sla_world.decisions()]
    assert kinds == ["started", "stopped"]


def test_a_new_holiday_restates_open_cases_and_a_closed_case_keeps_its_outcome(
    sla_world: SlaWorld,
) -> None:
    calendar_id = office(sla_world)
    open_one = open_urgent(sla_world)
    closed_one = open_urgent(sla_world)
    for status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        sla_world.desk.change_status(
            ChangeStatus(case_id=UUID(closed_one), status=status, reason=None),
            CommandContext(actor=SUPERVISOR),
        )
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

    [clock] = sla_world.rows("SELECT * FROM sla_clocks WHERE case_id = %s", open_one)
    assert clock["due_at"] == MONDAY_0930_BERLIN + timedelta(days=1)
    assert clock["calendar_version"] == 2
    restated = [row for row in sla_world.decisions(open_one) if row["kind"] == "restated"]
    assert [row["reason"] for row in restated] == ["office closed on Monday"]
    [timer] = sla_world.rows(
        "SELECT due_at FROM platform_timers WHERE timer_key LIKE %s", f"sla:{open_one}:%:breach"
    )
    assert timer["due_at"] == MONDAY_0930_BERLIN + timedelta(days=1)

    closed_rows = sla_world.decisions(closed_one)
    assert (closed_rows[-1]["kind"], closed_rows[-1]["calendar_version"]) == (
        "outcome_restated",
        2,
    )
    [kept] = sla_world.rows("SELECT * FROM sla_clocks WHERE case_id = %s", closed_one)
    assert kept["calendar_version"] == 1


def test_the_lists_read_what_the_subscriber_and_the_timers_recorded(sla_world: SlaWorld) -> None:
    office(sla_world)
    late = open_urgent(sla_world)
    sla_world.clock.now = MONDAY_0930_BERLIN  # opened Monday 09:30: due at 10:30
    soon = open_urgent(sla_world)
    sla_world.follow()
    sla_world.timer_clock.set(MONDAY_0930_BERLIN + timedelta(minutes=1))
    sla_world.worker.run_once()
    reads = PostgresSlaReads(
        lambda: psycopg.connect(sla_world.database_url, row_factory=dict_row, autocommit=True)
    )

    [breach] = reads.breaches(BreachFilter())
    assert (str(breach.case_id), breach.due_at) == (late, MONDAY_0930_BERLIN)
    [risk] = reads.at_risk(MONDAY_0930_BERLIN + timedelta(minutes=50), timedelta(minutes=30), 10)
    assert (str(risk.case_id), risk.metric) == (soon, "first_response")
    [row] = reads.dashboard()
    assert (row.priority, row.active, row.breached, row.clocks) == ("urgent", 2, 1, 2)


def test_following_the_log_again_from_the_start_decides_nothing_twice(sla_world: SlaWorld) -> None:
    office(sla_world)
    case_id = open_urgent(sla_world)
    sla_world.clock.now = MONDAY_0930_BERLIN - timedelta(minutes=5)
    reply(sla_world, case_id)
    sla_world.follow()
    decisions = [(row["kind"], row["cause_ref"]) for row in sla_world.decisions()]
    clocks = sla_world.rows("SELECT * FROM sla_clocks")

    with psycopg.connect(sla_world.database_url, autocommit=True) as conn:
        conn.execute("UPDATE subscription_positions SET position = 0 WHERE name = 'sla.clocks'")
    sla_world.follow()

    assert [(row["kind"], row["cause_ref"]) for row in sla_world.decisions()] == decisions
    assert sla_world.rows("SELECT * FROM sla_clocks") == clocks


def test_a_case_the_revised_policy_no_longer_covers_loses_its_clock_and_timer(
    sla_world: SlaWorld,
) -> None:
    office(sla_world)
    case_id = open_urgent(sla_world)
    sla_world.follow()
    [policy] = sla_world.admin.policies()
    sla_world.clock.advance(timedelta(minutes=5))
    sla_world.admin.revise_policy(
        policy.terms.policy_id,
        PolicyDraft(
            name="High only",
            position=1,
            filter=PolicyFilter(priority=frozenset({"high"})),
            targets={"first_response": {"high": timedelta(hours=4)}},
            calendar_id=None,
        ),
        reason="urgent cases go to the hotline",
        expected_version=1,
        actor=SUPERVISOR,
    )
    sla_world.follow()

    assert sla_world.rows("SELECT * FROM sla_clocks WHERE case_id = %s", case_id) == []
    kinds = [row["kind"] for row in sla_world.decisions()]
    assert kinds == ["started", "no_longer_covered"]
    assert sla_world.rows("SELECT * FROM platform_timers") == []


def test_a_customer_becoming_vip_brings_their_open_case_under_the_vip_policy(
    sla_world: SlaWorld,
) -> None:
    office(sla_world)  # everyone: first response within 1 hour
    sla_world.admin.define_policy(
        PolicyDraft(
            name="VIP",
            position=0,
            filter=PolicyFilter(customer_tier=frozenset({"vip"})),
            targets={"first_response": {"urgent": timedelta(minutes=15)}},
            calendar_id=None,
        ),
        SUPERVISOR,
    )
    directory = CustomerDirectory(sla_world.desk, clock=sla_world.clock)
    directory.register(
        RegisterCustomer(name="Ana", customer_id="cust-1"), DirectoryContext(actor=SUPERVISOR)
    )
    case_id = open_urgent(sla_world)
    sla_world.follow()
    [before] = sla_world.rows("SELECT * FROM sla_clocks WHERE case_id = %s", case_id)

    sla_world.clock.advance(timedelta(minutes=1))
    directory.change(
        ChangeCustomer("cust-1", {"tier": Tier.VIP}), DirectoryContext(actor=SUPERVISOR)
    )
    sla_world.follow()

    [after] = sla_world.rows("SELECT * FROM sla_clocks WHERE case_id = %s", case_id)
    assert before["policy_id"] != after["policy_id"]
    assert after["due_at"] == FRIDAY_1630_BERLIN + timedelta(minutes=15)
    [restated] = [row for row in sla_world.decisions(case_id) if row["kind"] == "restated"]
    assert restated["reason"] == "customer tier changed to vip"
