"""Contexts register themselves in one list: a new context's routes, projection and timer
handlers reach the roles from its own wiring plus one line there."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed

from casetrail.bootstrap.contexts import (
    CONTEXTS,
    projection_views,
    register_projections,
    timer_handlers,
)
from casetrail.bootstrap.roles.api import ApiDependencies, build_api_app
from casetrail.cases.service.desk import SupportDesk
from casetrail.platform.context_wiring import ContextWiring
from casetrail.platform.subscriptions import catalog
from casetrail.platform.subscriptions.view import BatchedView
from casetrail.platform.timers import Fire
from tests.fixtures.auth import supervisor_headers, unlimited

# -- a throwaway context, as a new feature folder would publish it ------------------------

widgets = APIRouter(prefix="/support/widgets", tags=["widgets"])
made: list[str] = []


@widgets.post("", status_code=201)
def make_widget(body: dict[str, str]) -> dict[str, str]:
    made.append(body["name"])
    return {"name": body["name"]}


@widgets.get("")
def list_widgets() -> list[str]:
    return list(made)


class WidgetsView(BatchedView):
    projection_name = "widgets"

    def create_statements(self) -> list[Composed]:
        return [Composed([SQL("CREATE TABLE IF NOT EXISTS widgets (name text)")])]

    def public_views(self) -> Mapping[str, Composed]:
        return {}

    def write(self, curs: Cursor[DictRow], events: Sequence[Any]) -> None:
        """Nothing to write: the test checks the wiring, not the projection."""


def widget_due(_conn: Any, _fire: Fire) -> None:
    """A timer handler of the throwaway context."""


WIDGETS = ContextWiring(
    name="widgets",
    routers=(widgets,),
    views=(WidgetsView,),
    timer_handlers={"widgets.due": widget_due},
)

# -----------------------------------------------------------------------------------------


@pytest.fixture
def own_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    """The projections registered during the test are forgotten after it."""
    monkeypatch.setattr(catalog, "_VIEWS", dict(catalog._VIEWS))


@pytest.fixture
def widgets_api(memory_desk: SupportDesk) -> Iterator[TestClient]:
    made.clear()
    app = build_api_app(
        ApiDependencies(memory_desk, authentication=unlimited()), (*CONTEXTS, WIDGETS)
    )
    with TestClient(app, headers=supervisor_headers()) as client:
        yield client


def test_a_new_contexts_routes_are_served_beside_the_others(widgets_api: TestClient) -> None:
    assert widgets_api.post("/support/widgets", json={"name": "sprocket"}).status_code == 201
    assert widgets_api.get("/support/widgets").json() == ["sprocket"]
    # The listed contexts' routes are still there, and errors keep their shape.
    assert widgets_api.get("/support/cases").status_code == 200
    missing = widgets_api.get("/support/widgets/nowhere")
    assert missing.headers["content-type"] == "application/problem+json"
    assert "/support/widgets" in widgets_api.get("/openapi.json").json()["paths"]


@pytest.mark.usefixtures("own_catalog")
def test_a_new_contexts_projection_and_timer_handlers_are_registered() -> None:
    views = register_projections((*CONTEXTS, WIDGETS))
    assert views["widgets"] is WidgetsView
    assert "widgets" in catalog.projection_names()
    assert catalog.view_class("widgets") is WidgetsView
    assert timer_handlers((*CONTEXTS, WIDGETS))["widgets.due"] is widget_due


def test_without_the_line_in_the_list_nothing_of_it_is_served(memory_desk: SupportDesk) -> None:
    app = build_api_app(ApiDependencies(memory_desk, authentication=unlimited()))
    with TestClient(app, headers=supervisor_headers()) as client:
        assert client.get("/support/widgets").status_code == 404
    assert "widgets" not in projection_views()


def test_two_contexts_cannot_claim_one_projection_or_timer_kind() -> None:
    twin = ContextWiring(name="twin", views=(WidgetsView,), timer_handlers=WIDGETS.timer_handlers)
    with pytest.raises(ValueError, match="two projections are named 'widgets'"):
        projection_views((WIDGETS, twin))
    with pytest.raises(ValueError, match=r"two contexts handle timers of kind 'widgets\.due'"):
        timer_handlers((WIDGETS, twin))
