"""deploy/grafana: the dashboard imports into any Grafana with a Prometheus data source, its
panels do not overlap, and every query is PromQL over casetrail's metrics."""

from __future__ import annotations

import itertools

from tests.fixtures.deploy import dashboard, dashboard_panels, dashboard_queries, metric_names


def test_panels_ask_the_chosen_prometheus() -> None:
    variables = {item["name"]: item for item in dashboard()["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for panel in dashboard_panels():
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel
        assert panel["targets"], panel["title"]


def test_panel_ids_are_unique() -> None:
    ids = [panel["id"] for panel in dashboard_panels()]
    assert len(ids) == len(set(ids))


def test_panels_sit_on_the_grid_without_overlapping() -> None:
    boxes = [(panel["title"], panel["gridPos"]) for panel in dashboard_panels()]
    for title, box in boxes:
        assert box["x"] >= 0
        assert box["x"] + box["w"] <= 24, title
    for (first, a), (second, b) in itertools.combinations(boxes, 2):
        apart = (
            a["x"] + a["w"] <= b["x"]
            or b["x"] + b["w"] <= a["x"]
            or a["y"] + a["h"] <= b["y"]
            or b["y"] + b["h"] <= a["y"]
        )
        assert apart, f"{first!r} overlaps {second!r}"


def test_every_query_is_promql_over_casetrail_metrics() -> None:
    queries = dashboard_queries()
    assert queries
    for query in queries:
        names = metric_names(query)  # raises on a query Prometheus would refuse
        assert names, query
        assert all(name.startswith(("casetrail_", "support_")) for name in names), query


def test_every_panel_says_what_it_shows() -> None:
    for panel in dashboard_panels():
        if panel["type"] != "row":
            assert panel.get("description"), panel["title"]
