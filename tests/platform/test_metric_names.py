"""One list of metric names: what casetrail exposes is listed, and what is listed is documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import httpx
from prometheus_client import CollectorRegistry, generate_latest

from casetrail.cases.outbound.relay import RelayMetrics
from casetrail.commerce.metrics import ConsumerMetrics
from casetrail.platform.http.request_metrics import RequestMetrics
from casetrail.platform.metrics import METRICS, Kind
from casetrail.platform.server_process import start_server
from casetrail.platform.subscriptions.follower_metrics import SubscriptionMetrics
from casetrail.platform.subscriptions.metrics import ProjectionMetrics
from casetrail.platform.subscriptions.status import ProjectionLagCollector, ProjectionStatus
from casetrail.platform.timers.metrics import TimerMetrics
from casetrail.sla.outbound.alarm_relay import PublishedAlarms
from casetrail.sla.projections.metrics import AlarmMetrics, ClockMetrics
from casetrail.timeline.reading import TimelineMetrics
from tests.fixtures.auth import supervisor_headers

DOCS = Path(__file__).resolve().parents[2] / "docs"
LISTED = {metric.name: metric for metric in METRICS}


def exposed_names(exposition: str) -> set[str]:
    """Metric names in a Prometheus text exposition, as listed (``_created`` series, which
    the client adds to counters and histograms, belong to their metric)."""
    names = set(re.findall(r"^# TYPE (\S+) \S+$", exposition, re.MULTILINE))
    return {
        name
        for name in names
        if not (
            name.endswith("_created")
            and {name.removesuffix("_created") + "_total", name.removesuffix("_created")} & names
        )
    }


class OneStatus:
    def read(self) -> list[ProjectionStatus]:
        return [ProjectionStatus("case_list", 1, 5, 7, 2, 0.5, True, None, None)]


def every_metrics_class(registry: CollectorRegistry) -> None:
    ProjectionMetrics(registry)
    registry.register(ProjectionLagCollector(cast(Any, OneStatus())))
    SubscriptionMetrics(registry)
    RelayMetrics(registry)
    TimerMetrics(registry)
    ConsumerMetrics(registry)
    TimelineMetrics(registry)
    ClockMetrics(registry)
    AlarmMetrics(registry)
    PublishedAlarms(registry)
    RequestMetrics(cast(Any, None), registry)


def test_the_metrics_of_every_module_are_exactly_the_list() -> None:
    registry = CollectorRegistry()
    every_metrics_class(registry)
    assert exposed_names(generate_latest(registry).decode()) == set(LISTED)


def test_every_listed_metric_is_documented_with_its_type_and_labels() -> None:
    page = (DOCS / "metrics.md").read_text()
    for metric in METRICS:
        labels = ", ".join(f"`{label}`" for label in metric.labels) or "—"
        assert f"| `{metric.name}` | {metric.kind.value} | {labels} |" in page, metric.name
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", page, re.MULTILINE))
    assert documented == set(LISTED), "docs/metrics.md names a metric that is not listed"


def test_counters_and_only_counters_end_in_total() -> None:
    for metric in METRICS:
        assert (metric.kind is Kind.COUNTER) == metric.name.endswith("_total"), metric.name


def test_a_running_server_exposes_only_listed_metrics(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        case = httpx.post(
            f"{server.base_url}/support/cases",
            json={"customer_id": "cust-metrics", "subject": "Counted"},
            headers=supervisor_headers(),
        )
        assert case.status_code == 201, case.text
        httpx.get(
            f"{server.base_url}/support/cases/{case.json()['id']}",
            params={"includeTimeline": "true"},
            headers=supervisor_headers(),
        )
        exposition = httpx.get(f"{server.base_url}/metrics").text
    finally:
        assert server.stop() == 0
    names = exposed_names(exposition)
    assert "casetrail_http_requests_total" in names
    assert "casetrail_projection_lag_events" in names
    assert names - set(LISTED) == set(), "exposed but not in casetrail.platform.metrics"
