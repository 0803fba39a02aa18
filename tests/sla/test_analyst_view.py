"""``vw_support_sla`` through Trino's ``support`` catalog answers the API's numbers for the
same cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from casetrail.bootstrap.roles.api import ApiDependencies, build_api_app
from casetrail.bootstrap.settings import Settings
from casetrail.cases.domain.values import AuthorType, CaseStatus
from casetrail.cases.service.commands import ChangeStatus, CommandContext, PostMessage
from casetrail.devstack import Stack
from casetrail.kernel.actor import Actor
from casetrail.sla.domain.aggregates import PolicyDraft
from casetrail.sla.domain.policy import PolicyFilter
from casetrail.sla.projections.tables import SLA_VIEW
from casetrail.sla.service.administration import CalendarDefinition
from casetrail.timeline.foreign_schema import expose_timeline, remove_timeline
from tests.fixtures.auth import supervisor_headers, unlimited
from tests.fixtures.sla_postgres import SlaWorld, sla_world_on

pytestmark = pytest.mark.stack
DURATION = TypeAdapter(timedelta)

SUPERVISOR = Actor(subject="sup-1", role="SUPERVISOR")
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def stack_world(stack_database: str, tmp_path: Path) -> Iterator[SlaWorld]:
    settings = Settings(data_dir=tmp_path, database_url=stack_database)  # type: ignore[arg-type]
    yield from sla_world_on(stack_database, settings)


def test_the_analysts_view_answers_what_the_api_does(stack: Stack, stack_world: SlaWorld) -> None:
    world = stack_world
    calendar = world.admin.define_calendar(
        CalendarDefinition("Berlin", "Europe/Berlin", WEEKDAYS), SUPERVISOR
    )
    world.admin.define_policy(
        PolicyDraft(
            name="All",
            position=1,
            filter=PolicyFilter(),
            targets={
                "first_response": {"medium": timedelta(hours=2)},
                "resolution": {"medium": timedelta(hours=8)},
            },
            calendar_id=calendar.id,
        ),
        SUPERVISOR,
    )
    app = build_api_app(ApiDependencies(world.desk, authentication=unlimited()))
    app.state.sla_clock = world.clock
    client = TestClient(app, raise_server_exceptions=False, headers=supervisor_headers())
    case_ids = []
    for n in range(3):
        opened = client.post("/support/cases", json={"customer_id": f"c-{n}", "subject": "x"})
        case_ids.append(opened.json()["id"])
    world.clock.advance(timedelta(days=2, hours=17))  # Monday 09:30 Berlin
    world.desk.post_message(
        PostMessage(case_ids[0], AuthorType.AGENT, "agent-1", "Hello"),  # type: ignore[arg-type]
        CommandContext(actor=Actor("agent-1", "AGENT")),
    )
    world.desk.change_status(
        ChangeStatus(case_ids[1], CaseStatus.RESOLVED),  # type: ignore[arg-type]
        CommandContext(actor=SUPERVISOR),
    )
    world.follow()

    api: dict[tuple[str, str, int], dict[str, Any]] = {}
    for case_id in case_ids:
        for metric in client.get(f"/support/cases/{case_id}/sla").json()["metrics"]:
            api[(case_id, metric["metric"], metric["cycle"])] = metric

    schema = f"sla_{case_ids[0][:8]}"
    expose_timeline(stack.postgres.dsn(), schema, world.database_url, (SLA_VIEW,))
    try:
        with stack.trino.connect() as trino:
            cursor = trino.cursor()
            cursor.execute(
                f"SELECT case_id, metric, cycle, state, target_seconds,"
                f" business_seconds_elapsed, due_at, stopped_at"
                f" FROM support.{schema}.{SLA_VIEW}"
            )
            rows = cursor.fetchall()
    finally:
        remove_timeline(stack.postgres.dsn(), schema)

    assert len(rows) == len(api) == 6
    assert {row[3] for row in rows} >= {"fulfilled", "active"}
    for case_id, metric, cycle, state, target, elapsed, due_at, stopped_at in rows:
        shown = api[(str(case_id), metric, cycle)]
        assert target == DURATION.validate_python(shown["target"]).total_seconds()
        assert due_at.isoformat()[:19] == shown["due_at"][:19]
        if stopped_at is not None:  # a stopped clock's figures are final
            assert state == shown["state"]
            assert elapsed == shown["business_seconds_elapsed"]
