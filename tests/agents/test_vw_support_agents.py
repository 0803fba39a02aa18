"""``vw_support_agents`` through the real Trino: the directory as analysts query it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from casetrail.agents.analyst_view import AGENTS_VIEW, prepare_agent_views
from casetrail.agents.domain.values import Presence, Seniority
from casetrail.agents.queries import AGENT_DIRECTORY
from casetrail.agents.service.commands import (
    CreateDepartment,
    DirectoryContext,
    RegisterAgent,
    SetPresence,
)
from casetrail.agents.service.directory import Directory
from casetrail.bootstrap.event_store import utc_now
from casetrail.bootstrap.read_side import ReadSide, start_read_side
from casetrail.bootstrap.settings import Settings
from casetrail.cases.service.commands import AssignCase, CommandContext, OpenCase
from casetrail.cases.service.desk import SupportDesk
from casetrail.devstack.stack import Stack
from casetrail.kernel.actor import Actor
from casetrail.timeline.foreign_schema import expose_timeline, remove_timeline

pytestmark = pytest.mark.stack

SUPERVISOR = Actor(subject="sup-1", role="SUPERVISOR")


@pytest.fixture
def stack_read_side(
    relay_desk: SupportDesk, stack_database: str, tmp_path: Path
) -> Iterator[ReadSide]:
    settings = Settings(data_dir=tmp_path, database_url=stack_database)  # type: ignore[arg-type]
    side = start_read_side(
        relay_desk, stack_database, settings, CollectorRegistry(), run_projections=True
    )
    yield side
    side.close()


@pytest.fixture
def trino_schema(stack: Stack) -> Iterator[str]:
    schema = f"test_agents_{uuid.uuid4().hex[:12]}"
    yield schema
    remove_timeline(stack.postgres.dsn(), schema)


def test_analysts_see_agents_with_departments_load_and_presence_but_no_e_mail(
    stack: Stack,
    relay_desk: SupportDesk,
    stack_read_side: ReadSide,
    stack_database: str,
    trino_schema: str,
) -> None:
    directory = Directory(relay_desk, clock=utc_now)
    context = DirectoryContext(actor=SUPERVISOR)
    billing = directory.create_department(CreateDepartment(name="Billing"), context).id
    returns = directory.create_department(CreateDepartment(name="Returns"), context).id
    for agent_id, departments in (("agent-a", (billing, returns)), ("agent-b", ())):
        directory.register_agent(
            RegisterAgent(
                agent_id=agent_id,
                name=agent_id.upper(),
                email=f"{agent_id}@example.com",
                capacity=3,
                seniority=Seniority.LEAD,
                department_ids=departments,
                skills=("refunds", "french"),
            ),
            context,
        )
    directory.set_presence(SetPresence("agent-a", Presence.BUSY), context)
    cases = CommandContext(actor=SUPERVISOR)
    for n in range(2):
        case_id = relay_desk.open_case(OpenCase(f"c{n}", "s", "d"), cases).case_id
        last = relay_desk.assign_case(AssignCase(case_id, "agent-a"), cases)
    assert last.position is not None
    assert stack_read_side.read_model.wait_for(last.position, [AGENT_DIRECTORY, "case_list"], 15)
    assert prepare_agent_views(stack_database) == [AGENTS_VIEW]
    expose_timeline(stack.postgres.dsn(), trino_schema, stack_database, (AGENTS_VIEW,))

    with stack.trino.connect() as trino:
        cursor = trino.cursor()
        cursor.execute(f"SELECT * FROM support.{trino_schema}.{AGENTS_VIEW} ORDER BY agent_id")
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    assert "email" not in columns
    assert [
        (
            row["agent_id"],
            row["department_names"],
            row["skills"],
            row["capacity"],
            row["seniority"],
            row["status"],
            row["active_cases"],
        )
        for row in rows
    ] == [
        ("agent-a", "Billing,Returns", "french,refunds", 3, "lead", "busy", 2),
        ("agent-b", "", "french,refunds", 3, "lead", "offline", 0),
    ]
