"""The interactive docs as a person uses them: Swagger UI and ReDoc load in a real browser
that can reach nothing but casetrail, and a call authorised through "Authorize" succeeds.

Chromium and its driver come from the OS packages (``make test-tools`` installs them)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as loaded
from selenium.webdriver.support.ui import WebDriverWait

from casetrail.bootstrap.event_store import build_memory_desk
from casetrail.bootstrap.roles.api import ApiDependencies, ApiServer, build_api_app
from casetrail.platform.http.bounded_http import HeadLimits
from casetrail.platform.http.listener import bind_listener
from tests.fixtures.auth import token

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_SECONDS = 30


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    desk = build_memory_desk()
    listener = bind_listener("127.0.0.1", 0)
    server = ApiServer(build_api_app(ApiDependencies(desk)), listener, HeadLimits())
    server.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    server.stop()
    desk.close()


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    assert shutil.which(CHROMIUM), "make test-tools installs chromium"
    assert shutil.which(CHROMEDRIVER), "make test-tools installs chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        # No network but this machine: a CDN asset would fail to load.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": "window.blockedByPolicy = [];"
            " document.addEventListener('securitypolicyviolation',"
            " event => window.blockedByPolicy.push(event.blockedURI));"
        },
    )
    yield driver
    driver.quit()


def loaded_resources(browser: WebDriver) -> list[str]:
    names: list[str] = browser.execute_script(
        "return performance.getEntriesByType('resource').map(entry => entry.name)"
    )
    return names


def fetched_elsewhere(browser: WebDriver, base_url: str) -> list[str]:
    """What the page fetched from another origin (its own policy's refusals aside)."""
    blocked: list[str] = browser.execute_script("return window.blockedByPolicy")
    return [
        name
        for name in loaded_resources(browser)
        if not name.startswith(base_url) and name not in blocked
    ]


def test_swagger_ui_loads_offline_and_an_authorised_call_succeeds(
    base_url: str, browser: WebDriver
) -> None:
    wait = WebDriverWait(browser, WAIT_SECONDS)
    browser.get(f"{base_url}/docs")
    wait.until(loaded.element_to_be_clickable((By.CSS_SELECTOR, "button.authorize"))).click()
    access_token = token("SUPERVISOR", "sup-docs")
    field = wait.until(
        loaded.visibility_of_element_located((By.CSS_SELECTOR, ".auth-container input"))
    )
    field.send_keys(access_token)
    browser.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper button.authorize").click()
    browser.find_element(By.CSS_SELECTOR, "button.btn-done").click()

    operation = wait.until(
        loaded.element_to_be_clickable((By.ID, "operations-cases-list_cases_support_cases_get"))
    )
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait.until(loaded.element_to_be_clickable((By.CSS_SELECTOR, "button.try-out__btn"))).click()
    wait.until(loaded.element_to_be_clickable((By.CSS_SELECTOR, "button.execute"))).click()
    status = wait.until(
        loaded.visibility_of_element_located(
            (By.CSS_SELECTOR, ".live-responses-table .response .response-col_status")
        )
    )
    assert status.text.strip() == "200", browser.find_element(
        By.CSS_SELECTOR, ".responses-wrapper"
    ).text
    assert fetched_elsewhere(browser, base_url) == []


def test_redoc_renders_the_operations_offline(base_url: str, browser: WebDriver) -> None:
    browser.get(f"{base_url}/redoc")
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda page: "List cases" in page.find_element(By.TAG_NAME, "body").text
    )
    assert fetched_elsewhere(browser, base_url) == []


def test_every_request_body_has_an_example_the_schema_accepts() -> None:
    desk = build_memory_desk()
    with TestClient(build_api_app(ApiDependencies(desk))) as client:
        document: dict[str, Any] = client.get("/openapi.json").json()
    desk.close()
    checked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "requestBody" not in operation:
                continue
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            resolved = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            examples = resolved.get("examples")
            assert examples, f"{method.upper()} {path} has no request example"
            for example in examples:
                jsonschema.validate(example, {**schema, "components": document["components"]})
            checked += 1
    assert checked > 0


def test_the_bearer_scheme_is_declared_so_authorize_can_send_it() -> None:
    desk = build_memory_desk()
    with TestClient(build_api_app(ApiDependencies(desk))) as client:
        document: dict[str, Any] = client.get("/openapi.json").json()
    desk.close()
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(iter(schemes.values())).items()
