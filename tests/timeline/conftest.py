"""The timeline on the stack's real engines: a database of the test's own, its view shown to
Trino's ``support`` catalog under a schema of the test's own, Redis, and an API on them."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from casetrail.bootstrap.http_app import create_app
from casetrail.bootstrap.read_side import start_read_side
from casetrail.bootstrap.settings import Settings
from casetrail.bootstrap.timeline import TimelineSide, invalidate_after_commit
from casetrail.bootstrap.wiring import build_postgres_desk, utc_now
from casetrail.cases.api.query_deps import MIN_POSITION_HEADER, ReadOptions
from casetrail.cases.queries import ReadModel
from casetrail.cases.service.desk import SupportDesk
from casetrail.devstack import Stack
from casetrail.platform.http.principals import Role
from casetrail.privacy.erasure import erasure_for
from casetrail.timeline.foreign_schema import expose_timeline, remove_timeline
from casetrail.timeline.model import TIMELINE_PROJECTIONS
from tests.fixtures.auth import bearer, supervisor_headers, unlimited

# Nothing listens here (ports below 1024 are not handed out to tests): an engine that is down.
CLOSED_PORT_URL = "http://127.0.0.1:9"
CLOSED_REDIS_URL = "redis://127.0.0.1:9/0"


IMPORTER = bearer(Role.SERVICE, "importer", scopes=["cases:write"])


@dataclass
class TimelineApi:
    client: TestClient
    desk: SupportDesk
    side: TimelineSide
    registry: CollectorRegistry
    database_url: str
    trino_schema: str
    read_model: ReadModel
    position: int = 0

    def command(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        response = self.client.request(method, url, **kwargs)
        assert response.status_code in (200, 201), response.text
        self.position = max(self.position, int(response.headers["x-casetrail-position"]))
        body: dict[str, Any] = response.json()
        return body

    def open_case(self, **fields: Any) -> str:
        body = {"customer_id": f"cust-{uuid.uuid4().hex[:8]}", "subject": "Parcel late", **fields}
        return str(self.command("POST", "/support/cases", json=body)["id"])

    def post(self, case_id: str, body: str, **fields: Any) -> None:
        # An importing service may name any author; people post as themselves.
        message = {"author_type": "CUSTOMER", "author_id": "cust", "body": body, **fields}
        self.command("POST", f"/support/cases/{case_id}/messages", json=message, headers=IMPORTER)

    def timeline(self, case_id: str, **params: Any) -> Any:
        """The case with its timeline, once it includes every command made so far."""
        return self.client.get(
            f"/support/cases/{case_id}",
            params={"includeTimeline": "true", **params},
            headers={MIN_POSITION_HEADER: str(self.position)},
        )

    def wait_projected(self) -> None:
        """Until the timeline's projections include every command made so far."""
        assert self.read_model.wait_for(self.position, TIMELINE_PROJECTIONS, 10.0)

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0


TimelineApiFactory = Callable[..., TimelineApi]


@pytest.fixture
def timeline_database(stack: Stack, stack_database: str) -> Iterator[tuple[str, str]]:
    """A database of the test's own, and the schema that shows its timeline view to Trino."""
    schema = f"test_timeline_{uuid.uuid4().hex[:12]}"
    yield stack_database, schema
    remove_timeline(stack.postgres.dsn(), schema)


@pytest.fixture
def timeline_api(
    stack: Stack, timeline_database: tuple[str, str], tmp_path: Path
) -> Iterator[TimelineApiFactory]:
    """Builds the API on the test's database; keyword arguments override settings (e.g.
    ``trino_url=CLOSED_PORT_URL`` for a Trino that is down)."""
    database_url, schema = timeline_database
    with contextlib.ExitStack() as cleanup:

        def build(**overrides: Any) -> TimelineApi:
            settings = Settings(
                **{
                    "data_dir": tmp_path,
                    "database_url": database_url,
                    "redis_url": stack.redis.url,
                    "trino_url": stack.trino.url,
                    "timeline_trino_schema": schema,
                    # Several APIs share the stack's PostgreSQL (and its connection limit).
                    "database_pool_size": 4,
                    "timeline_postgres_pool_size": 2,
                    **overrides,
                }
            )
            registry = CollectorRegistry()
            desk = build_postgres_desk(database_url, settings)
            cleanup.callback(desk.close)
            side = TimelineSide(settings, database_url, registry)
            cleanup.callback(side.close)
            read_side = start_read_side(
                desk,
                database_url,
                settings,
                registry,
                run_projections=True,
                after_commit=invalidate_after_commit(side.invalidation),
            )
            cleanup.callback(read_side.close)
            side.prepare()
            expose_timeline(stack.postgres.dsn(), schema, database_url)
            app = create_app(
                desk,
                read_model=read_side.read_model,
                read_options=ReadOptions(max_wait_seconds=10.0),
                metrics_registry=registry,
                case_timeline=side.service(read_side.read_model, max_wait_seconds=10.0),
                authentication=unlimited(),
                erasure=erasure_for(desk, utc_now, timeline=side),
            )
            client = cleanup.enter_context(
                TestClient(app, raise_server_exceptions=False, headers=supervisor_headers())
            )
            return TimelineApi(
                client, desk, side, registry, database_url, schema, read_side.read_model
            )

        yield build


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
