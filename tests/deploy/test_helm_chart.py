"""deploy/helm/casetrail: the chart lints, renders one Deployment per process role with the
CLI command of that role, probes, resources and secrets, and what it renders is valid
Kubernetes (the bundled schemas of kubernetes-validate, strict: no unknown field)."""

from __future__ import annotations

import subprocess
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.fixtures.deploy import CHART, tool

# The newest Kubernetes whose schemas kubernetes-validate bundles.
KUBERNETES = kubernetes_validate.latest_version()
REQUIRED = ("secrets.databaseUrl=postgresql://casetrail:pw@postgres:5432/casetrail",)
JWT = ("secrets.jwtSecret=test-signing-key",)


def _helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("helm"), *args], capture_output=True, text=True, check=False)


def _render(*values: str) -> list[dict[str, Any]]:
    sets = [argument for value in values for argument in ("--set", value)]
    result = _helm("template", "desk", str(CHART), "--kube-version", KUBERNETES, *sets)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def _refusal(*values: str) -> str:
    sets = [argument for value in values for argument in ("--set", value)]
    result = _helm("template", "desk", str(CHART), "--kube-version", KUBERNETES, *sets)
    assert result.returncode != 0, "the chart rendered"
    return result.stderr


def _deployments(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        doc["metadata"]["labels"]["app.kubernetes.io/component"]: doc
        for doc in docs
        if doc["kind"] == "Deployment"
    }


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    return _render(*REQUIRED, *JWT)


def test_helm_lint_passes() -> None:
    sets = [argument for value in (*REQUIRED, *JWT) for argument in ("--set", value)]
    result = _helm("lint", "--strict", str(CHART), "--kube-version", KUBERNETES, *sets)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rendered_objects_validate_against_the_kubernetes_schemas(
    rendered: list[dict[str, Any]],
) -> None:
    for doc in rendered:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_each_process_role_is_its_own_deployment_running_its_command(
    rendered: list[dict[str, Any]],
) -> None:
    commands = {
        role: [*_container(deployment)["command"], *_container(deployment)["args"]]
        for role, deployment in _deployments(rendered).items()
    }
    assert commands == {
        "api": ["casetrail", "serve", "--no-workers"],
        "projector": ["casetrail", "project", "--metrics-port", "9100"],
        "relay": ["casetrail", "relay", "--metrics-port", "9100"],
        "consumer": ["casetrail", "consume"],
        "scheduler": ["casetrail", "scheduler", "--metrics-port", "9100"],
    }


def test_the_api_autoscales_and_the_single_active_roles_run_once(
    rendered: list[dict[str, Any]],
) -> None:
    deployments = _deployments(rendered)
    (autoscaler,) = [doc for doc in rendered if doc["kind"] == "HorizontalPodAutoscaler"]
    assert autoscaler["spec"]["scaleTargetRef"]["name"] == deployments["api"]["metadata"]["name"]
    assert autoscaler["spec"]["minReplicas"] >= 2
    # The autoscaler owns the API's replica count; a fixed one would fight it on each upgrade.
    assert "replicas" not in deployments["api"]["spec"]
    assert deployments["projector"]["spec"]["replicas"] == 1
    assert deployments["relay"]["spec"]["replicas"] == 1
    assert deployments["consumer"]["spec"]["replicas"] == 3


def test_without_autoscaling_the_api_runs_its_fixed_replicas() -> None:
    docs = _render(*REQUIRED, *JWT, "api.autoscaling.enabled=false", "api.replicas=4")
    assert not [doc for doc in docs if doc["kind"] == "HorizontalPodAutoscaler"]
    assert _deployments(docs)["api"]["spec"]["replicas"] == 4


def test_the_api_is_probed_on_healthz_and_readyz(rendered: list[dict[str, Any]]) -> None:
    api = _container(_deployments(rendered)["api"])
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert api["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_workers_are_probed_on_their_metrics_port(rendered: list[dict[str, Any]]) -> None:
    for role, deployment in _deployments(rendered).items():
        if role == "api":
            continue
        container = _container(deployment)
        port = container["ports"][0]["containerPort"]
        probe = " ".join(container["livenessProbe"]["exec"]["command"])
        assert f"http://127.0.0.1:{port}/metrics" in probe, role


def test_every_role_has_resources_and_runs_unprivileged(rendered: list[dict[str, Any]]) -> None:
    for role, deployment in _deployments(rendered).items():
        pod = deployment["spec"]["template"]["spec"]
        container = _container(deployment)
        assert container["resources"]["requests"]["cpu"], role
        assert container["resources"]["limits"]["memory"], role
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_settings_reach_every_role_as_casetrail_variables(rendered: list[dict[str, Any]]) -> None:
    (settings,) = [doc for doc in rendered if doc["kind"] == "ConfigMap"]
    (secret,) = [doc for doc in rendered if doc["kind"] == "Secret"]
    assert all(name.startswith("CASETRAIL_") for name in settings["data"])
    assert settings["data"]["CASETRAIL_ENVIRONMENT"] == "production"
    assert set(secret["stringData"]) == {"CASETRAIL_DATABASE_URL", "CASETRAIL_JWT_SECRET"}
    for role, deployment in _deployments(rendered).items():
        sources = _container(deployment)["envFrom"]
        assert {"configMapRef": {"name": settings["metadata"]["name"]}} in sources, role
        assert {"secretRef": {"name": secret["metadata"]["name"]}} in sources, role


def test_the_consumer_serves_its_metrics_where_it_is_probed(
    rendered: list[dict[str, Any]],
) -> None:
    consumer = _container(_deployments(rendered)["consumer"])
    assert consumer["env"] == [{"name": "CASETRAIL_COMMERCE_METRICS_PORT", "value": "9100"}]


def test_an_identity_providers_keys_replace_the_shared_secret() -> None:
    docs = _render(*REQUIRED, "secrets.jwksUrl=https://idp.example/keys")
    (settings,) = [doc for doc in docs if doc["kind"] == "ConfigMap"]
    (secret,) = [doc for doc in docs if doc["kind"] == "Secret"]
    assert settings["data"]["CASETRAIL_JWT_JWKS_URL"] == "https://idp.example/keys"
    assert "CASETRAIL_JWT_SECRET" not in secret["stringData"]


def test_an_existing_secret_is_used_instead_of_one_from_values() -> None:
    docs = _render("secrets.existingSecret=casetrail-keys")
    assert not [doc for doc in docs if doc["kind"] == "Secret"]
    api = _container(_deployments(docs)["api"])
    assert {"secretRef": {"name": "casetrail-keys"}} in api["envFrom"]


def test_more_consumers_than_partitions_is_refused() -> None:
    assert "exceeds kafka.commercePartitions" in _refusal(
        *REQUIRED, *JWT, "workers.consumer.replicas=4"
    )


def test_missing_secrets_are_refused() -> None:
    assert "secrets.databaseUrl is required" in _refusal(*JWT)
    assert "secrets.jwtSecret or secrets.jwksUrl is required" in _refusal(*REQUIRED)


def test_a_password_in_plain_settings_is_refused() -> None:
    assert "secrets.databaseUrl, not settings" in _refusal(
        *REQUIRED, *JWT, "settings.database_url=postgresql://u:pw@h/db"
    )
