"""An agent's rules: profile changes, presence leases, renewals, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from casetrail.agents.domain.agent import Agent
from casetrail.agents.domain.department import Department
from casetrail.agents.domain.errors import AgentIsOffline
from casetrail.agents.domain.values import Presence, Seniority, agent_stream_id
from casetrail.kernel.actor import SYSTEM, Actor

SUPERVISOR = Actor(subject="sup-1", role="SUPERVISOR")
ANA = Actor(subject="agent-ana", role="AGENT")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
GRACE = timedelta(seconds=60)


def ana() -> Agent:
    return Agent.register(
        agent_id="agent-ana",
        name="Ana",
        email="ana@example.com",
        roles=["Agent"],
        department_ids=["d2", "d1", "d2"],
        skills=[" Billing ", "returns", "billing"],
        capacity=5,
        seniority=Seniority.SENIOR,
        actor=SUPERVISOR,
        at=T0,
    )


def kinds(agent: Agent) -> list[str]:
    return [type(event).__name__ for event in agent.collect_events()]


def test_an_agent_is_registered_offline_with_tidy_labels_in_a_stream_named_by_its_id() -> None:
    agent = ana()
    assert agent.id == agent_stream_id("agent-ana") != agent_stream_id("agent-bo")
    assert agent.presence is Presence.OFFLINE
    assert agent.skills == ["billing", "returns"]
    assert agent.roles == ["agent"]
    assert agent.department_ids == ["d1", "d2"]


def test_a_capacity_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="capacity"):
        Agent.register(
            agent_id="a",
            name="A",
            email="a@example.com",
            roles=[],
            department_ids=[],
            skills=[],
            capacity=0,
            seniority=Seniority.JUNIOR,
            actor=SUPERVISOR,
            at=T0,
        )
    agent = ana()
    with pytest.raises(ValueError, match="capacity"):
        agent.change_profile({"capacity": 0}, actor=SUPERVISOR, at=T0)


def test_a_profile_change_records_only_what_changed() -> None:
    agent = ana()
    agent.collect_events()
    agent.change_profile(
        {"capacity": 5, "skills": ["RETURNS", "billing"], "name": "Ana Lima"},
        actor=SUPERVISOR,
        at=T0,
    )
    [event] = agent.collect_events()
    assert isinstance(event, Agent.ProfileChanged)
    assert event.changes == {"name": "Ana Lima"}
    agent.change_profile({"name": "Ana Lima"}, actor=SUPERVISOR, at=T0)
    assert kinds(agent) == []


def test_going_online_holds_for_the_grace_period_and_going_offline_ends_it() -> None:
    agent = ana()
    agent.set_status(Presence.ONLINE, grace=GRACE, actor=ANA, at=T0)
    assert agent.presence is Presence.ONLINE
    assert agent.presence_expires_at == T0 + GRACE
    agent.set_status(Presence.BUSY, grace=GRACE, actor=ANA, at=T0 + timedelta(seconds=5))
    assert agent.presence_expires_at == T0 + timedelta(seconds=65)
    agent.log_out(actor=ANA, at=T0 + timedelta(seconds=6))
    assert agent.presence is Presence.OFFLINE
    assert agent.presence_expires_at is None
    agent.log_out(actor=ANA, at=T0 + timedelta(seconds=7))  # already offline: nothing
    assert kinds(agent) == ["Registered", "PresenceChanged", "PresenceChanged", "PresenceChanged"]


def test_login_puts_an_offline_agent_online_and_renews_one_that_is_there() -> None:
    agent = ana()
    agent.log_in(grace=GRACE, actor=ANA, at=T0)
    agent.set_status(Presence.BUSY, grace=GRACE, actor=ANA, at=T0)
    agent.log_in(grace=GRACE, actor=ANA, at=T0 + timedelta(seconds=1))
    assert agent.presence is Presence.BUSY  # a second tab logging in keeps the status
    events = agent.collect_events()
    assert [type(event).__name__ for event in events][-1] == "PresenceRenewed"
    assert events[1].cause == "login"  # type: ignore[attr-defined]


def test_heartbeats_renew_only_once_half_the_lease_has_passed() -> None:
    agent = ana()
    agent.set_status(Presence.ONLINE, grace=GRACE, actor=ANA, at=T0)
    agent.collect_events()
    for seconds in (5, 15, 29):
        agent.heartbeat(grace=GRACE, actor=ANA, at=T0 + timedelta(seconds=seconds))
    assert kinds(agent) == []
    agent.heartbeat(grace=GRACE, actor=ANA, at=T0 + timedelta(seconds=31))
    assert kinds(agent) == ["PresenceRenewed"]
    assert agent.presence_expires_at == T0 + timedelta(seconds=91)


def test_a_heartbeat_does_not_bring_an_offline_agent_back() -> None:
    agent = ana()
    with pytest.raises(AgentIsOffline):
        agent.heartbeat(grace=GRACE, actor=ANA, at=T0)


def test_a_lapsed_lease_takes_the_agent_offline_naming_the_lease_and_its_cause() -> None:
    agent = ana()
    agent.set_status(Presence.BUSY, grace=GRACE, actor=ANA, at=T0)
    agent.collect_events()
    agent.expire_presence(
        lease_expired_at=T0 + GRACE, cause="timer x", actor=SYSTEM, at=T0 + timedelta(seconds=61)
    )
    [event] = agent.collect_events()
    assert isinstance(event, Agent.PresenceExpired)
    assert (event.from_status, event.expired_at, event.last_renewed_at, event.cause) == (
        "busy",
        T0 + GRACE,
        T0,
        "timer x",
    )
    assert agent.presence is Presence.OFFLINE


def test_an_old_lease_lapsing_changes_nothing_once_the_presence_was_renewed_or_ended() -> None:
    agent = ana()
    agent.set_status(Presence.ONLINE, grace=GRACE, actor=ANA, at=T0)
    agent.heartbeat(grace=GRACE, actor=ANA, at=T0 + timedelta(seconds=40))  # a short drop
    agent.collect_events()
    late = T0 + timedelta(seconds=61)
    agent.expire_presence(lease_expired_at=T0 + GRACE, cause="old", actor=SYSTEM, at=late)
    assert kinds(agent) == []
    assert agent.presence is Presence.ONLINE
    agent.log_out(actor=ANA, at=late)
    agent.collect_events()
    new_lease = T0 + timedelta(seconds=100)
    agent.expire_presence(lease_expired_at=new_lease, cause="x", actor=SYSTEM, at=new_lease)
    assert kinds(agent) == []


def test_a_department_change_records_only_what_changed() -> None:
    department = Department.create(
        department_id=uuid4(), name="Billing", description="", actor=SUPERVISOR, at=T0
    )
    department.change({"name": "Billing", "description": "Refunds"}, actor=SUPERVISOR, at=T0)
    events = department.collect_events()
    assert isinstance(events[-1], Department.Changed)
    assert events[-1].changes == {"description": "Refunds"}
