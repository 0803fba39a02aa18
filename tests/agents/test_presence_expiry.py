"""Presence leases on real PostgreSQL: the projection arms each lease as a durable timer, a
renewal moves it (a short disconnect changes nothing), and a lease nobody renewed lapses
through the timer worker into ``PresenceExpired``, recorded once, naming its cause."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from casetrail.agents.domain.agent import Agent
from casetrail.agents.domain.values import Presence, Seniority
from casetrail.agents.projections.presence_leases import PRESENCE_LEASES, lease_timer_key
from casetrail.agents.service.commands import DirectoryContext, RegisterAgent, SetPresence
from casetrail.agents.service.directory import Directory
from casetrail.agents.service.results import DirectoryResult
from casetrail.bootstrap.contexts import timer_handlers
from casetrail.bootstrap.read_side import ReadSide
from casetrail.cases.service.desk import SupportDesk
from casetrail.kernel.actor import Actor
from casetrail.platform.timers import ManualClock, TimerWorker

T0 = datetime.now(UTC).replace(microsecond=0)
GRACE = timedelta(seconds=60)
ANA = DirectoryContext(actor=Actor(subject="agent-ana", role="AGENT"))


class StepClock:
    """The directory's clock: where the test says it is."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def directory(postgres_desk: SupportDesk, clock: StepClock) -> Directory:
    return Directory(postgres_desk, clock=clock, presence_grace=GRACE)


@pytest.fixture
def worker_clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def worker(
    database_url: str, postgres_desk: SupportDesk, worker_clock: ManualClock
) -> Iterator[TimerWorker]:
    # The handlers the scheduler role runs, built on this event store.
    worker = TimerWorker(database_url, timer_handlers(store=postgres_desk), clock=worker_clock)
    yield worker
    worker.close()


def projected(read_side: ReadSide, result: DirectoryResult) -> None:
    assert result.position is not None
    assert read_side.read_model.wait_for(result.position, [PRESENCE_LEASES], 15)


def armed(database_url: str, agent: Agent) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT due_at, kind, cause FROM platform_timers WHERE timer_key = %s",
            (lease_timer_key(agent.id),),
        ).fetchall()


def online_ana(directory: Directory, read_side: ReadSide) -> Agent:
    directory.register_agent(
        RegisterAgent(
            agent_id="agent-ana",
            name="Ana",
            email="ana@example.com",
            capacity=3,
            seniority=Seniority.SENIOR,
        ),
        DirectoryContext(actor=Actor(subject="sup-1", role="SUPERVISOR")),
    )
    projected(read_side, directory.set_presence(SetPresence("agent-ana", Presence.ONLINE), ANA))
    return directory.get_agent("agent-ana")


def test_a_presence_nobody_renews_goes_offline_once_naming_the_lapsed_lease(
    postgres_desk: SupportDesk,
    directory: Directory,
    read_side: ReadSide,
    worker: TimerWorker,
    worker_clock: ManualClock,
    database_url: str,
) -> None:
    agent = online_ana(directory, read_side)
    [(due_at, kind, cause)] = armed(database_url, agent)
    assert (due_at, kind) == (T0 + GRACE, "agents.presence.expired")
    assert "PresenceChanged" in cause

    worker_clock.set(T0 + GRACE - timedelta(seconds=1))
    assert worker.run_once() == 0
    worker_clock.set(T0 + GRACE + timedelta(seconds=2))
    assert worker.run_once() == 1
    assert worker.run_once() == 0

    agent = directory.get_agent("agent-ana")
    assert agent.presence is Presence.OFFLINE
    last = directory.agent_history("agent-ana")[-1]
    assert last.type == "PresenceExpired"
    assert (last.actor_subject, last.actor_role) == ("casetrail", "SYSTEM")
    assert last.at == T0 + GRACE + timedelta(seconds=2)  # when the lapse was detected
    assert last.data["expired_at"] == (T0 + GRACE).isoformat()
    assert last.data["from_status"] == "online"
    assert lease_timer_key(agent.id) in last.data["cause"]
    # Going offline (the lapse itself) disarms the lease once followed.
    head = postgres_desk.recorder.max_notification_id() or 0
    assert read_side.read_model.wait_for(head, [PRESENCE_LEASES], 15)
    assert armed(database_url, agent) == []


def test_a_heartbeat_within_the_grace_period_moves_the_lease_and_nothing_flaps(
    directory: Directory,
    read_side: ReadSide,
    worker: TimerWorker,
    worker_clock: ManualClock,
    clock: StepClock,
    database_url: str,
) -> None:
    agent = online_ana(directory, read_side)
    # The client drops for a while, then beats again before the grace period is over.
    clock.now = T0 + timedelta(seconds=45)
    projected(read_side, directory.heartbeat("agent-ana", ANA))
    [(due_at, _kind, cause)] = armed(database_url, agent)
    assert due_at == T0 + timedelta(seconds=105)
    assert "PresenceRenewed" in cause

    worker_clock.set(T0 + GRACE + timedelta(seconds=5))  # when the first lease would end
    assert worker.run_once() == 0
    assert directory.get_agent("agent-ana").presence is Presence.ONLINE
    kinds = [entry.type for entry in directory.agent_history("agent-ana")]
    assert kinds == ["Registered", "PresenceChanged", "PresenceRenewed"]


def test_logging_out_disarms_the_lease(
    directory: Directory,
    read_side: ReadSide,
    worker: TimerWorker,
    worker_clock: ManualClock,
    database_url: str,
) -> None:
    agent = online_ana(directory, read_side)
    projected(read_side, directory.log_out("agent-ana", ANA))
    assert armed(database_url, agent) == []
    worker_clock.set(T0 + 2 * GRACE)
    assert worker.run_once() == 0
    assert directory.agent_history("agent-ana")[-1].data["cause"] == "logout"


def test_a_lease_renewed_after_its_timer_was_claimed_is_not_expired(
    directory: Directory,
    read_side: ReadSide,
    clock: StepClock,
) -> None:
    """A renewal committed but not yet followed when the old lease's timer fires: the
    handler's command sees the new lease and records nothing."""
    online_ana(directory, read_side)
    clock.now = T0 + timedelta(seconds=50)
    directory.heartbeat("agent-ana", ANA)
    agent = directory.get_agent("agent-ana")
    directory.expire_presence(
        agent.id,
        lease_expired_at=T0 + GRACE,
        cause="timer of the old lease",
        idempotency_key="timer:old",
        detected_at=T0 + GRACE,
    )
    assert directory.get_agent("agent-ana").presence is Presence.ONLINE
    assert directory.agent_history("agent-ana")[-1].type == "PresenceRenewed"
