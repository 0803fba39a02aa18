"""The alert rules and the dashboard against a running casetrail: every metric they read is
on its /metrics, and its scrape, replayed through the rules, raises no alert on a healthy,
idle instance (which also shows each expression evaluates over the real series and labels)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest

from casetrail.bootstrap.settings import Settings
from casetrail.platform.server_process import ServerProcess, start_server
from tests.fixtures.auth import supervisor_headers
from tests.fixtures.deploy import exported_names, quiet_instance_test, tool, used_metric_names

pytestmark = pytest.mark.integration

# Only a process that relays or consumes Kafka exports these; the embedded default does not.
KAFKA_ROLES = ("casetrail_relay_", "casetrail_commerce_")


def _send_traffic(server: ServerProcess) -> None:
    """A case opened and read with its timeline: labelled series get samples, not only
    their declarations."""
    opened = httpx.post(
        f"{server.base_url}/support/cases",
        json={"customer_id": "cust-deploy", "subject": "Metrics for the alert rules"},
        headers=supervisor_headers(),
    )
    assert opened.status_code == 201, opened.text
    timeline = httpx.get(
        f"{server.base_url}/support/cases/{opened.json()['id']}",
        params={"includeTimeline": "true"},
        headers=supervisor_headers(),
    )
    assert timeline.status_code == 200, timeline.text


def _scrape(server: ServerProcess) -> str:
    return httpx.get(f"{server.base_url}/metrics").text


def _assert_no_alert_fires(exposition: str, tmp_path: Path) -> None:
    test = quiet_instance_test(exposition, tmp_path / "quiet.test.yml")
    result = subprocess.run(
        [tool("promtool"), "test", "rules", str(test)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_embedded_serve_exports_what_rules_and_dashboard_read_and_raises_no_alert(
    tmp_path: Path,
) -> None:
    tool("promtool")  # before the server: a missing tool fails fast
    server = start_server(tmp_path / "data")
    try:
        _send_traffic(server)
        exposition = _scrape(server)
    finally:
        server.stop()
    wanted = {name for name in used_metric_names() if not name.startswith(KAFKA_ROLES)}
    assert wanted - exported_names(exposition) == set()
    _assert_no_alert_fires(exposition, tmp_path)


def test_serve_with_kafka_exports_every_metric_rules_and_dashboard_read(
    commerce_settings: Settings, stack_database: str, tmp_path: Path
) -> None:
    tool("promtool")  # before the server: a missing tool fails fast
    assert commerce_settings.kafka.bootstrap_servers
    server = start_server(
        tmp_path / "data",
        stack_database,
        extra_env={
            "CASETRAIL_KAFKA_BOOTSTRAP_SERVERS": commerce_settings.kafka.bootstrap_servers,
            "CASETRAIL_COMMERCE_TOPIC_PREFIX": commerce_settings.commerce.topic_prefix,
            "CASETRAIL_COMMERCE_CONSUMER_GROUP": commerce_settings.commerce.consumer_group,
        },
    )
    try:
        _send_traffic(server)
        exposition = _scrape(server)
        # The consumer declares its metrics once it has joined its group: wait for that.
        deadline = time.monotonic() + 60
        while used_metric_names() - exported_names(exposition) and time.monotonic() < deadline:
            time.sleep(1)
            exposition = _scrape(server)
    finally:
        server.stop()
    assert used_metric_names() - exported_names(exposition) == set()
    _assert_no_alert_fires(exposition, tmp_path)
