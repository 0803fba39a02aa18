"""deploy/prometheus: the alert rules load in Prometheus, fire on the series they are for and
stay quiet otherwise (promtool's unit tests beside them), and read only metrics casetrail
declares."""

from __future__ import annotations

import subprocess

import yaml

from tests.fixtures.deploy import ALERT_RULES, RULE_TESTS, alert_rules, metric_names, tool

# Seed 003's alerts and the rules that answer each.
SEED_ALERTS = {
    "first response beyond SLA": "CasetrailFirstResponseBreached",
    "SLA breaches detected late": "CasetrailDeadlinesLate",
    "backlog above a threshold": "CasetrailTimerBacklog",
    "Trino query failures": "CasetrailTrinoQueriesFailing",
    "projection lag": "CasetrailProjectionLag",
    "relay lag": "CasetrailRelayLag",
    "consumer halted": "CasetrailConsumerHalted",
    "DLQ growth": "CasetrailDeadLettersGrowing",
}


def test_promtool_accepts_the_rules() -> None:
    checked = subprocess.run(
        [tool("promtool"), "check", "rules", str(ALERT_RULES)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_each_alert_fires_on_its_series_and_only_then() -> None:
    tests = sorted(RULE_TESTS.glob("*.test.yml"))
    assert tests
    result = subprocess.run(
        [tool("promtool"), "test", "rules", *map(str, tests)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test_that_fires_it() -> None:
    fired = {
        check["alertname"]
        for path in RULE_TESTS.glob("*.test.yml")
        for test in yaml.safe_load(path.read_text())["tests"]
        for check in test.get("alert_rule_test", [])
        if check["exp_alerts"]
    }
    assert fired == {rule["alert"] for rule in alert_rules()}


def test_seed_003_alerts_are_all_there() -> None:
    names = {rule["alert"] for rule in alert_rules()}
    assert set(SEED_ALERTS.values()) <= names


def test_every_alert_says_how_urgent_and_what_to_do() -> None:
    for rule in alert_rules():
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert rule["annotations"]["description"], rule["alert"]


def test_rules_read_casetrail_metrics_only() -> None:
    for rule in alert_rules():
        names = metric_names(rule["expr"])
        assert names, rule["alert"]
        assert all(name.startswith(("casetrail_", "support_")) for name in names), names
